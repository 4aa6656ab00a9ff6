extension BaseConfig {
    /// Sink types and their parameters (spec/config.md §5.1): `true` = required, `false` =
    /// optional.
    static let sinks = #"""
sink stdout {
  ~on_write_msg: false
}
sink stderr {
  ~on_write_msg: false
}
sink file {
  ~filename:        true
  ~log_search_path: false
  ~use_search_path: false
  ~on_write_msg:    false
}
sink rotating_log {
  ~filename:          true
  ~max:               true
  ~log_search_path:   false
  ~truncation_amount: false
  ~on_write_msg:      false
}
sink s3 {
  ~uid:                  true
  ~secret:               true
  ~token:                false
  ~uri:                  true
  ~region:               true
  ~extra:                false
  ~endpoint:             false
  ~on_write_msg:         false
  ~disable_after_errors: false
}
sink post {
  ~uri:                  true
  ~headers:              false
  ~content_type:         false
  ~disallow_http:        false
  ~timeout:              false
  ~pinned_cert_file:     false
  ~prefer_bundled_certs: false
  ~auth:                 false
  ~disable_after_errors: false
  ~on_write_msg:         false
}
sink presign {
  ~uri:                  true
  ~headers:              false
  ~content_type:         false
  ~disallow_http:        false
  ~timeout:              false
  ~pinned_cert_file:     false
  ~prefer_bundled_certs: false
  ~auth:                 false
  ~disable_after_errors: false
  ~on_write_msg:         false
}
sink dns {
  ~domain_template:         true
  ~record_type:             false
  ~missing_key_placeholder: false
  ~dns_server:              false
  ~dns_timeout:             false
  ~disable_after_errors:    false
  ~require_chalk_mark:      false
  ~on_write_msg:            false
}
auth basic {
  ~username: true
  ~password: true
}
auth jwt {
  ~token: true
}
"""#

    /// Predefined sink configs (spec/config.md §5.4).
    static let sinkConfigs = #"""
sink_config console_out {
  sink: "stdout"
}
sink_config console_err {
  sink: "stderr"
}
sink_config json_console_out {
  sink:    "stdout"
  filters: ["pretty_json", "fix_new_line"]
}
sink_config json_console_err {
  sink:    "stderr"
  filters: ["pretty_json", "fix_new_line"]
}
sink_config github_json_group {
  sink:    "stdout"
  filters: ["pretty_json", "github_log_group", "fix_new_line"]
}
sink_config gitlab_json_group {
  sink:    "stdout"
  filters: ["pretty_json", "gitlab_log_section", "fix_new_line"]
}
sink_config virtual_chalk_log {
  enabled:  true
  sink:     "file"
  filters:  ["fix_new_line"]
  filename: "./virtual-chalk.json"
}
sink_config default_out {
  enabled:      true
  sink:         "file"
  filename:     "~/.local/chalk/chalk.log"
  on_write_msg: "Full chalk report appended to: ~/.local/chalk/chalk.log"
}
sink_config dump_out {
  enabled:         false
  sink:            "file"
  filename:        ""
  log_search_path: ["."]
}

custom_report terminal_chalk_time {
  enabled:         true
  report_template: "terminal_insert"
  sink_configs:    ["json_console_out"]
  use_when:        ["insert", "build", "push"]
}
custom_report terminal_other_op {
  enabled:         true
  report_template: "terminal_rest"
  sink_configs:    ["json_console_out"]
  use_when:        ["extract", "delete", "env", "pull"]
}
custom_report github_group_chalk_time {
  enabled:         false
  report_template: "terminal_insert"
  sink_configs:    ["github_json_group"]
  use_when:        ["insert", "extract", "build", "push", "pull"]
}
custom_report gitlab_group_chalk_time {
  enabled:         false
  report_template: "terminal_insert"
  sink_configs:    ["gitlab_json_group"]
  use_when:        ["insert", "extract", "build", "push", "pull"]
}
# Off here: usage statistics never leave the machine unless configured (RULINGS 13); the audit
# report runs only when publish_audit is set.
custom_report chalk_usage_stats {
  enabled:         false
  ~report_template: "usage"
  sink_configs:    []
  use_when:        ["insert", "build", "push", "delete", "exec", "load", "setup"]
}
custom_report audit {
  enabled:         false
  report_template: "audit"
  sink_configs:    []
}
"""#
}
