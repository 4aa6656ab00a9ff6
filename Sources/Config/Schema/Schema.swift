/// The type a schema field accepts.
enum FieldType: Equatable {
    case string, bool, int, float
    /// A Size literal or an int (bytes).
    case size
    /// A Duration literal or an int (microseconds).
    case duration
    case stringList, intList
    case dict
    case typespec, callback
    /// Anything (a `` `x `` field).
    case any
    case choice([String])
    case intRange(Int64, Int64)
    /// A string or an int (signal names or numbers).
    case stringOrInt

    var description: String {
        switch self {
        case .string: "a string"
        case .bool: "a bool (true or false)"
        case .int: "an int"
        case .float: "a float"
        case .size: "a Size such as <<10mb>> (or an int of bytes)"
        case .duration: "a Duration such as <<30 sec>> (or an int of microseconds)"
        case .stringList: "a list[string]"
        case .intList: "a list[int]"
        case .dict: "a dict"
        case .typespec: "a type such as string or list[string]"
        case .callback: "a callback (func name)"
        case .any: "any value"
        case .choice(let c): "one of " + c.map { "\"\($0)\"" }.joined(separator: ", ")
        case .intRange(let lo, let hi): "an int from \(lo) to \(hi)"
        case .stringOrInt: "a string or an int"
        }
    }

    func accepts(_ v: CValue) -> Bool {
        switch (self, v) {
        case (.any, _): true
        case (.string, .string), (.bool, .bool), (.int, .int), (.float, .float), (.typespec, .typespec),
             (.callback, .callback), (.dict, .dict): true
        case (.size, .size), (.size, .int), (.duration, .duration), (.duration, .int): true
        case (.stringList, .list(let l)): l.allSatisfy { if case .string = $0 { true } else { false } }
        case (.intList, .list(let l)): l.allSatisfy { if case .int = $0 { true } else { false } }
        case (.choice(let c), .string(let s)): c.contains(s)
        case (.intRange(let lo, let hi), .int(let i)): (lo...hi).contains(i)
        case (.stringOrInt, .string), (.stringOrInt, .int): true
        default: false
        }
    }
}

struct FieldSpec {
    var type: FieldType
    var required = false
}

/// A section type of the schema (spec/config.md §2). `object` sections hold named instances
/// (`sink_config NAME`); singletons do not.
final class SectionSpec: Sendable {
    enum Kind: Sendable { case singleton, object }
    let kind: Kind
    let fields: [String: FieldSpec]
    let children: [String: SectionSpec]
    /// Fields the schema does not list are allowed (`user_def_ok`).
    let userDefOK: Bool
    /// Anything goes below (sections this project accepts but does not use yet).
    let lenient: Bool

    init(_ kind: Kind, fields: [String: FieldSpec] = [:], children: [String: SectionSpec] = [:],
         userDefOK: Bool = false, lenient: Bool = false) {
        self.kind = kind; self.fields = fields; self.children = children
        self.userDefOK = userDefOK; self.lenient = lenient
    }
}

extension FieldSpec: @unchecked Sendable {}
extension FieldType: @unchecked Sendable {}

/// The schema of Chalk's configuration (`chalk.c42spec`), as far as this project checks it.
enum Schema {
    static let logLevels = ["verbose", "trace", "debug", "info", "warn", "error", "none"]
    static let operations = [
        "insert", "extract", "build", "push", "pull", "exec", "postexec", "heartbeat", "delete", "env", "load", "dump",
        "setup", "docker",
    ]
    static let knownFilters = [
        "log_level", "log_prefix", "pretty_json", "fix_new_line", "wrap", "github_log_group", "gitlab_log_section",
        "add_topic",
    ]

    private static func f(_ t: FieldType, required: Bool = false) -> FieldSpec { FieldSpec(type: t, required: required) }
    private static let lenientObject = SectionSpec(.object, userDefOK: true, lenient: true)
    private static let lenientSingleton = SectionSpec(.singleton, userDefOK: true, lenient: true)

    static let key = SectionSpec(.object, fields: ["use": f(.bool), "order": f(.int), "object_store": f(.string)])

    static let root: SectionSpec = {
        let bools = [
            "virtual_chalk", "con4m_pinpoint", "chalk_debug", "publish_audit", "report_total_time", "always_try_to_sign",
            "load_external_config", "load_embedded_config", "run_sbom_tools", "run_sast_tools", "run_secret_scanner_tools",
            "recursive", "env_vars", "chalk_contained_items", "show_config", "use_report_cache",
            "force_output_on_reporting_fails", "skip_command_report", "skip_custom_reports", "skip_summary_report",
            "install_completion_script", "use_pager", "color",
        ]
        let strings = [
            "config_filename", "default_command", "selected_command", "audit_location", "default_tmp_dir", "docker_exe",
            "report_cache_location", "aws_iam_role", "crashoverride_usage_reporting_url", "crashoverride_workspace_id",
        ]
        let lists = [
            "config_path", "zip_extensions", "pyc_extensions", "sidecar_extensions", "log_search_path",
            "artifact_search_path", "ignore_patterns", "env_always_show", "env_never_show", "env_redact",
            "valid_chalk_commands", "valid_chalk_command_names", "ignore_when_normalizing",
        ]
        var fields: [String: FieldSpec] = [:]
        for b in bools { fields[b] = f(.bool) }
        for s in strings { fields[s] = f(.string) }
        for l in lists { fields[l] = f(.stringList) }
        fields["log_level"] = f(.choice(logLevels))
        fields["chalk_log_level"] = f(.choice(logLevels))
        fields["docker_log_level"] = f(.choice(logLevels))
        fields["log_format"] = f(.choice(["auto", "plain", "json"]))
        fields["cache_fd_limit"] = f(.int)
        fields["audit_file_size"] = f(.size)
        fields["report_cache_max_size"] = f(.size)
        fields["report_cache_lock_timeout_sec"] = f(.int)
        fields["env_default_action"] = f(.choice(["show", "redact", "ignore"]))
        fields["symlink_behavior_chalking"] = f(.choice(["skip", "clobber", "copy"]))
        fields["symlink_behavior_non_chalking"] = f(.choice(["ignore", "follow"]))
        fields["ktype_names"] = f(.any)

        let keyspec = SectionSpec(.object, fields: [
            "kind": f(.intRange(0, 3), required: true), "type": f(.typespec, required: true),
            "required_in_chalk_mark": f(.bool), "required_in_self_mark": f(.bool), "never_early": f(.bool),
            "standard": f(.bool), "system": f(.bool), "conf_as_system": f(.bool), "codec": f(.bool), "value": f(.any),
            "callback": f(.callback), "since": f(.string), "normalized_order": f(.int), "only_object_store": f(.bool),
            "canonicalize": f(.callback), "apply_substitutions": f(.bool), "doc": f(.string), "shortdoc": f(.string),
        ])
        let markTemplate = SectionSpec(.object, fields: ["doc": f(.string), "shortdoc": f(.string)], children: ["key": key])
        let reportTemplate = SectionSpec(.object, fields: ["doc": f(.string), "shortdoc": f(.string)], children: [
            "key": key,
            "default_object_store": SectionSpec(.singleton, fields: [
                "enabled": f(.bool), "object_store": f(.string), "threshold": f(.size),
            ]),
        ])
        let outconf = SectionSpec(.object, fields: [
            "mark_template": f(.string), "report_template": f(.string), "per_chalk_reports": f(.bool), "doc": f(.string),
        ])
        let customReport = SectionSpec(.object, fields: [
            "enabled": f(.bool), "report_template": f(.string), "sink_configs": f(.stringList, required: true),
            "use_when": f(.stringList), "per_chalk": f(.bool), "doc": f(.string),
        ])
        // Fields of sink_config beyond these are checked against the sink's declaration.
        let sinkConfig = SectionSpec(.object, fields: [
            "enabled": f(.bool), "priority": f(.int), "filters": f(.stringList), "sink": f(.string),
        ], children: ["normalize": SectionSpec(.object, fields: ["callback": f(.callback)])], userDefOK: true)
        let exec = SectionSpec(.singleton, fields: [
            "command_name": f(.string), "command_name_from_args": f(.bool), "initial_sleep_time": f(.duration),
            "search_path": f(.stringList), "chalk_as_parent": f(.bool), "reporting_probability": f(.intRange(0, 100)),
            "default_args": f(.stringList), "append_command_line_args": f(.bool), "override_ok": f(.bool),
            "use_path": f(.bool), "report_deadline": f(.duration), "subreaper": f(.bool), "signal_group": f(.bool),
            "remap_exit": f(.intList), "rewrite_signal": f(.dict), "parent_death_signal": f(.stringOrInt),
            "warn_reaped": f(.bool),
        ], children: [
            "heartbeat": SectionSpec(.singleton, fields: [
                "run": f(.bool), "rate": f(.duration), "rlimit": f(.size), "nice": f(.intRange(0, 19)),
            ]),
            "postexec": SectionSpec(.singleton, fields: ["run": f(.bool), "fork": f(.bool), "nice": f(.intRange(0, 19))],
                                    children: ["access_watch": SectionSpec(.singleton, fields: [
                                        "prep_tmp_path": f(.string), "initial_poll_time": f(.duration),
                                        "initial_poll_interval": f(.duration), "scan_codecs": f(.stringList),
                                        "scan_paths": f(.stringList),
                                    ])]),
            "exec_deployment": SectionSpec(.singleton, fields: [
                "ignored_env_vars": f(.stringList), "ignored_volume_mounts": f(.stringList),
            ]),
        ])
        let docker = SectionSpec(.singleton, fields: [
            "wrap_entrypoint": f(.bool), "wrap_cmd": f(.bool), "arch_binary_locations_path": f(.string),
            "download_arch_binary": f(.bool), "download_arch_binary_urls": f(.stringList), "install_binfmt": f(.bool),
            "binfmt_container": f(.string), "label_prefix": f(.string), "label_template": f(.string),
            "custom_labels": f(.dict), "report_unwrapped_commands": f(.bool), "report_empty_fields": f(.bool),
            "additional_env_vars": f(.dict), "prep_postexec": f(.bool), "update_dockerignore": f(.bool),
            "busybox_container": f(.string), "fallback_to_syft_sbom": f(.bool), "registry_layer_chunk_size": f(.size),
            "registry_layer_upload_timeout": f(.duration), "build_context_cache_max_age": f(.duration),
            "attestation_use_oci_tag": f(.bool),
        ], children: [
            "getopts": lenientSingleton, "docker_registry": lenientObject,
            "scan_context": SectionSpec(.singleton, fields: ["run": f(.bool), "codecs": f(.stringList)]),
        ])
        let load = SectionSpec(.singleton, fields: [
            "replace_conf": f(.bool), "replace_all": f(.bool), "validate_configs_on_load": f(.bool),
            "validation_warning": f(.bool), "params_via_stdin": f(.bool),
        ])
        let git = SectionSpec(.singleton, fields: [
            "fetch_connect_timeout": f(.duration), "fetch_transfer_timeout": f(.duration), "refetch_lightweight_tags": f(.bool),
        ])
        let zip = SectionSpec(.singleton, fields: [
            "inject_binary": f(.bool), "inject_zip_size_threshold": f(.size), "inject_binary_allowed_extensions": f(.stringList),
        ])
        return SectionSpec(.singleton, fields: fields, children: [
            "keyspec": keyspec, "mark_template": markTemplate, "report_template": reportTemplate, "outconf": outconf,
            "custom_report": customReport, "sink_config": sinkConfig,
            "sink": SectionSpec(.object, userDefOK: true), "auth": SectionSpec(.object, userDefOK: true),
            "auth_config": SectionSpec(.object, fields: ["auth": f(.string, required: true)], userDefOK: true),
            "exec": exec, "docker": docker, "load": load, "git": git, "zip": zip,
            "extract": SectionSpec(.singleton, fields: ["search_base_layers_for_marks": f(.bool)]),
            // Accepted but not used by this project yet: kept lenient so Chalk configs load.
            "plugin": lenientObject, "object_store_config": lenientObject, "tool": lenientObject,
            "attestation": lenientSingleton, "buildkit": lenientSingleton, "env_config": lenientSingleton,
            "source_marks": lenientSingleton, "cloud_provider": lenientSingleton, "network": lenientSingleton,
            "certs": lenientSingleton,
        ])
    }()
}
