/// Keys this project adds to Chalk's catalog (RULINGS 3, 15, 19), and the templates that
/// report them. Loaded right after Chalk's own keyspecs and report templates.
extension BaseConfig {
    static let projectKeyspecs = #"""
keyspec _VALIDATED_NORMALIZATION {
  kind: RunTimeArtifact; type: string; standard: true; system: true; since: "0.1.0"
  doc: "Which METADATA_ID normalization validated the mark (extract and exec): current or legacy (pre-0.4)."
}
keyspec _EXEC_REPORTING_PROBABILITY {
  kind: RunTimeHost; type: int; standard: true; system: true; since: "0.1.0"
  doc: "The exec.reporting_probability (0-100) this exec, heartbeat or postexec report was sampled with."
}
keyspec _OP_REPORTS_DROPPED {
  kind: RunTimeHost; type: int; standard: true; system: true; since: "0.1.0"
  doc: "How many reports the bounded report cache dropped since the last report that was delivered."
}
"""#

    static let projectTemplateKeys = #"""
report_template report_all {
  key._VALIDATED_NORMALIZATION.use = true
  key._EXEC_REPORTING_PROBABILITY.use = true
  key._OP_REPORTS_DROPPED.use = true
}
report_template report_large {
  key._VALIDATED_NORMALIZATION.use = true
  key._EXEC_REPORTING_PROBABILITY.use = true
  key._OP_REPORTS_DROPPED.use = true
}
report_template report_default {
  # RULINGS 4: the postexec report carries chalk's own exit code.
  key._OP_EXIT_CODE.use = true
  key._VALIDATED_NORMALIZATION.use = true
  key._EXEC_REPORTING_PROBABILITY.use = true
  key._OP_REPORTS_DROPPED.use = true
}
report_template insertion_default {
  key._VALIDATED_NORMALIZATION.use = true
  key._OP_REPORTS_DROPPED.use = true
}
report_template heartbeat {
  key._EXEC_REPORTING_PROBABILITY.use = true
  key._OP_REPORTS_DROPPED.use = true
}
report_template terminal_rest {
  key._VALIDATED_NORMALIZATION.use = true
}
"""#
}
