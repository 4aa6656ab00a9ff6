extension BaseConfig {
    /// Singleton sections with their defaults: exec (spec/exec.md §4.2 and RULINGS 2-5), docker
    /// (spec/config.md §2.11) and the smaller ones of §2.12.
    static let sections = #"""
exec {
  command_name:             ""
  command_name_from_args:   true
  initial_sleep_time:       <<50 msecs>>
  search_path:              []
  chalk_as_parent:          false
  reporting_probability:    100
  default_args:             []
  append_command_line_args: false
  override_ok:              true
  use_path:                 true
  report_deadline:          <<300 msecs>>
  subreaper:                false
  signal_group:             false
  remap_exit:               []
  parent_death_signal:      ""
  warn_reaped:              false
  heartbeat {
    run:    false
    rate:   <<20 seconds>>
    rlimit: <<0mb>>
    nice:   5
  }
  postexec {
    fork: false
    nice: 5
    access_watch {
      prep_tmp_path:         "/tmp/prep_postexec.txt"
      initial_poll_time:     <<5sec>>
      initial_poll_interval: <<10ms>>
      scan_codecs:           ["certs"]
      scan_paths:            ["/"]
    }
  }
  exec_deployment {
    ignored_env_vars:      []
    ignored_volume_mounts: []
  }
}

docker {
  wrap_entrypoint:               false
  wrap_cmd:                      true
  arch_binary_locations_path:    "~/.local/chalk/bin"
  download_arch_binary:          true
  install_binfmt:                true
  binfmt_container:              "tonistiigi/binfmt"
  label_prefix:                  "run.crashoverride."
  label_template:                "chalk_labels"
  report_unwrapped_commands:     false
  report_empty_fields:           false
  prep_postexec:                 false
  update_dockerignore:           true
  busybox_container:             "busybox"
  fallback_to_syft_sbom:         true
  registry_layer_chunk_size:     <<5mb>>
  registry_layer_upload_timeout: << 30 sec >>
  build_context_cache_max_age:   << 1 hrs >>
  attestation_use_oci_tag:       true
  scan_context {
    run:    false
    codecs: ["certs"]
  }
}

load {
  replace_conf:             false
  replace_all:              false
  validate_configs_on_load: true
  validation_warning:       false
  params_via_stdin:         false
}

git {
  fetch_connect_timeout:    <<30 sec>>
  fetch_transfer_timeout:   <<60 sec>>
  refetch_lightweight_tags: true
}

zip {
  inject_binary:                    false
  inject_zip_size_threshold:        <<50mb>>
  inject_binary_allowed_extensions: ["zip"]
}

extract {
}
"""#

    /// Default I/O wiring that depends on the command and the terminal (Chalk's ioconfig.c4m,
    /// spec/config.md §5.4).
    static let ioconfig = #"""
if not using_tty() {
  color: false
  custom_report.terminal_chalk_time.enabled: false
  custom_report.terminal_other_op.enabled:   false
} elif env_exists("NO_COLOR") {
  color: false
} elif env("TERM") == "dumb" {
  color: false
} else {
  color: true
}

if skip_summary_report {
  custom_report.terminal_chalk_time.enabled: false
  custom_report.terminal_other_op.enabled:   false
}

if env_exists("CI") and env_exists("GITHUB_SHA") {
  custom_report.github_group_chalk_time.enabled: true
}
if env_exists("CI") and env_exists("GITLAB_CI") {
  custom_report.gitlab_group_chalk_time.enabled: true
}

subscribe("report",   "default_out")
subscribe("audit",    "default_out")
subscribe("version",  "console_out")
subscribe("virtual",  "virtual_chalk_log")
subscribe("help",     "console_out")
subscribe("confdump", "console_out")

cmd := command_name()
if cmd == "docker" {
  log_level: "error"
} elif cmd == "exec" {
  log_level: "error"
} else {
  log_level: "info"
}
"""#
}
