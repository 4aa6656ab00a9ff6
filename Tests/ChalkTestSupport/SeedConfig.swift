/// The configuration quoted in the config issue (item 9: Chalk's old custom-template guide),
/// verbatim. Shared by the Config unit tests and the CLI tests that run it through the binary.
public enum SeedConfig {
    public static let verbatim = """
    log_level: "error"
    custom_report.terminal_chalk_time.enabled: false
    custom_report.terminal_other_op.enabled: false
    unsubscribe("report", "default_out")

    report_template report_localdisk {
      key.CHALK_VERSION.use                       = true
      key.DATETIME_WHEN_CHALKED.use               = true
      key.HOSTINFO_WHEN_CHALKED.use               = true
      key.NODENAME_WHEN_CHALKED.use               = true
      key._DATETIME.use                           = true
      key._CHALKS.use                             = true
      key._OP_ERRORS.use                          = true
      key.CHALK_ID.use                            = true
      key.PATH_WHEN_CHALKED.use                   = true
      key.ARTIFACT_TYPE.use                       = true
      key.OLD_CHALK_METADATA_ID.use               = true
      key.EMBEDDED_CHALK.use                      = true
      key.METADATA_ID.use                         = true
      key.DOCKER_FILE.use                         = true
      key.DOCKERFILE_PATH.use                     = true
      key.DOCKER_LABELS.use                       = true
      key.DOCKER_TAGS.use                         = true
      key._CURRENT_HASH.use                       = true
      key._VIRTUAL.use                            = true
      key._IMAGE_ID.use                           = true
      key._INSTANCE_CONTAINER_ID.use              = true
      key._INSTANCE_CREATION_DATETIME.use         = true
      key._REPO_TAGS.use                          = true
    }

    sink_config s3_sink_config {
      enabled: true
      sink:    "s3"
      uri:     env("AWS_S3_BUCKET_URI")
      secret:  env("AWS_SECRET_ACCESS_KEY")
      uid:     env("AWS_ACCESS_KEY_ID")
    }

    sink_config chalk_log_file {
      sink: "rotating_log"
      enabled: true
      max: <<10mb>>
      filename: "/tmp/chalk_insert_build"
    }

    custom_report chalk_localdisk_logger {
      report_template: "report_localdisk"
      sink_configs: ["chalk_log_file"]
      use_when: ["insert", "build"]
    }

    custom_report chalk_s3_logger {
      report_template: "report_all"
      sink_configs: ["s3_sink_config"]
      use_when: ["extract"]
    }

    outconf insert {
      mark_template:          "mark_minimal"
      report_template:        "insertion_default"
    }
    """

    /// The seed config with the rotating log moved from /tmp/chalk_insert_build to `logFile`,
    /// so that parallel runs can't collide; everything else verbatim.
    public static func withLogFile(_ logFile: String) -> String {
        let original = "filename: \"/tmp/chalk_insert_build\""
        precondition(verbatim.contains(original))
        return verbatim.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.contains(original) ? $0.replacing(original, with: "filename: \"\(logFile)\"") : $0 }
            .joined(separator: "\n")
    }
}
