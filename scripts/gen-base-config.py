#!/usr/bin/env python3
"""Generates Sources/Config/BaseConfig/Generated*.swift: the key catalog and the built-in templates
of the base config, written in con4m and embedded as Swift raw string literals.

Usage: scripts/gen-base-config.py UPSTREAM_BASE_KEYSPECS.c4m [UPSTREAM_CHALK_TEMPLATES.c4m UPSTREAM_REPORT_TEMPLATES.c4m]

The catalog facts (name, kind, type, flags, normalized_order, since) are read from Chalk's
src/configs/base_keyspecs.c4m (GPL; only these facts are taken: no docs, no text). The templates
are built here from the rules of spec/config.md section 3 (lists and subtractions); when Chalk's
template files are given too, the result is checked against them key by key.
"""
import re
import sys

OUT = "Sources/Config/BaseConfig"

def parse_keyspecs(path):
    text = open(path).read()
    # Drop triple-quoted doc strings first.
    text = re.sub(r'"""[\s\S]*?"""', '""', text)
    specs = []
    for m in re.finditer(r'^keyspec\s+(\S+)\s*\{(.*?)^\}', text, re.M | re.S):
        name, body = m.group(1), m.group(2)
        fields = {}
        for line in body.splitlines():
            line = line.split('#')[0].strip()
            fm = re.match(r'^(~?)([a-z_]+)\s*:\s*(.+)$', line)
            if fm:
                fields[fm.group(2)] = (fm.group(1), fm.group(3).strip())
        specs.append((name, fields))
    return specs

FLAGS = ["required_in_chalk_mark", "required_in_self_mark", "never_early", "standard", "system",
         "conf_as_system", "codec", "apply_substitutions", "only_object_store"]

def keyspec_line(name, f):
    parts = [f"kind: {f['kind'][1]}", f"type: {f['type'][1]}"]
    for fl in FLAGS:
        if fl in f and f[fl][1] == "true":
            parts.append(f"{fl}: true")
    if "normalized_order" in f:
        parts.append(f"normalized_order: {f['normalized_order'][1]}")
    if "since" in f:
        parts.append(f"since: {f['since'][1]}")
    # The two locked values (MAGIC, CHALK_VERSION) are facts the mark format needs.
    if "value" in f and f["value"][0] == "~":
        parts.append(f"~value: {f['value'][1]}")
    return f"keyspec {name} {{ " + "; ".join(parts) + " }"

def K(text):
    return re.findall(r'[_$A-Z][A-Z0-9_$]*[A-Z0-9_$]', text)

DOLLAR = K("$CHALK_CONFIG $CHALK_IMPLEMENTATION_NAME $CHALK_LOAD_COUNT $CHALK_PUBLIC_KEY "
           "$CHALK_ENCRYPTED_PRIVATE_KEY $CHALK_SAVED_COMPONENT_PARAMETERS $CHALK_COMPONENT_CACHE $CHALK_MEMOIZE")
HOST_WHEN = K("HOST_SYSNAME_WHEN_CHALKED HOST_NODENAME_WHEN_CHALKED HOST_RELEASE_WHEN_CHALKED "
              "HOST_VERSION_WHEN_CHALKED HOST_MACHINE_WHEN_CHALKED")

MARK_DEFAULT_ON = K("""DATETIME_WHEN_CHALKED,
  TIMESTAMP_WHEN_CHALKED, CHALK_RAND, CHALK_PTR, PLATFORM_WHEN_CHALKED, INJECTOR_COMMIT_ID,
  INJECTOR_PUBLIC_KEY, ARTIFACT_TYPE, HASH, ORIGIN_URI, BRANCH, TAG, TAG_SIGNED, COMMIT_ID,
  COMMIT_SIGNED, AUTHOR, DATE_AUTHORED, COMMITTER, DATE_COMMITTED, COMMIT_MESSAGE, TAGGER,
  DATE_TAGGED, TAG_MESSAGE, ARTIFACT_VERSION, STORE_URI, PACKAGE_URI, CODE_OWNERS, BUILD_ID,
  BUILD_UNIQUE_ID, BUILD_ATTEMPT, BUILD_COMMIT_ID, BUILD_URI, BUILD_API_URI, BUILD_TRIGGER,
  BUILD_CONTACT, BUILD_ORIGIN_ID, BUILD_ORIGIN_KEY, BUILD_ORIGIN_OWNER_ID, BUILD_ORIGIN_OWNER_KEY,
  BUILD_ORIGIN_URI, BUILD_REF, BUILD_WORKFLOW_NAME, BUILD_WORKFLOW_PATH, BUILD_WORKFLOW_HASH,
  OLD_CHALK_METADATA_HASH, OLD_CHALK_METADATA_ID, EMBEDDED_CHALK, EMBEDDED_TMPDIR, SIGNATURE,
  DOCKER_FILE, DOCKER_LABELS, DOCKER_ANNOTATIONS, DOCKER_TAGS, DOCKER_TARGET, DOCKER_BASE_IMAGE,
  DOCKER_BASE_IMAGE_REPO, DOCKER_BASE_IMAGE_REGISTRY, DOCKER_BASE_IMAGE_NAME,
  DOCKER_BASE_IMAGE_TAG, DOCKER_BASE_IMAGE_DIGEST, DOCKER_BASE_IMAGE_CONFIG_DIGEST,
  DOCKER_BASE_IMAGE_METADATA_ID, DOCKER_BASE_IMAGE_CHALK, DOCKER_BASE_IMAGES, DOCKER_COPY_IMAGES,
  CALLER_ATTESTED_INFO, CALLER_ATTESTED_HOST_INFO, CALLER_ATTESTED_BUILD_INFO,
  CALLER_ATTESTED_ARTIFACT_INFO""") + DOLLAR
MARK_DEFAULT_OFF = K("DATE_CHALKED TIME_CHALKED TZ_OFFSET_WHEN_CHALKED")

REPRO_OFF = K("DATETIME_WHEN_CHALKED TIMESTAMP_WHEN_CHALKED CHALK_RAND")
REPRO_DROP = K("CALLER_ATTESTED_INFO CALLER_ATTESTED_HOST_INFO CALLER_ATTESTED_BUILD_INFO CALLER_ATTESTED_ARTIFACT_INFO")

MINIMAL_ON = K("DATETIME_WHEN_CHALKED CHALK_PTR SIGNATURE INJECTOR_PUBLIC_KEY") + DOLLAR

MARK_LARGE_PLUS = HOST_WHEN + K("""PUBLIC_IPV4_ADDR_WHEN_CHALKED, INJECTOR_CHALK_ID, INJECTOR_VERSION, INJECTOR_ARGV, INJECTOR_ENV,
  PATH_WHEN_CHALKED, PATH_WITHIN_ZIP, CONTAINING_ARTIFACT_WHEN_CHALKED, VCS_DIR_WHEN_CHALKED,
  VCS_MISSING_FILES, CLOUD_METADATA_WHEN_CHALKED, ERR_INFO, DOCKERFILE_PATH, DOCKER_PLATFORM,
  DOCKER_PLATFORMS, DOCKER_CONTEXT, DOCKER_ADDITIONAL_CONTEXTS, DOCKER_CHALK_ADDED_LABELS,
  DOCKER_CHALK_ADDED_TO_DOCKERFILE""")
MARK_LARGE_OFF = K("DATE_CHALKED TIME_CHALKED TZ_OFFSET_WHEN_CHALKED SBOM SAST SIGNING")
MARK_ALL_PLUS = K("""MAGIC, CHALK_VERSION, DATE_CHALKED, TIME_CHALKED,
  TZ_OFFSET_WHEN_CHALKED, CHALK_ID, PRE_CHALK_HASH, SBOM, SAST, SIGNING, METADATA_HASH, METADATA_ID""")
CHALK_LABELS = K("AUTHOR BRANCH COMMITTER COMMIT_ID DATE_AUTHORED DATE_COMMITTED DATE_TAGGED ORIGIN_URI TAG TAGGER")

REPORT_ALL_OFF = K("""DERIVED_FROM_CHALK_ID, _OP_ARTIFACT_ACCESSED,
  _OP_ARTIFACT_MOUNTED, _IMAGE_COMPRESSED_SIZE, _HEARTBEAT_COUNT, _SINCE_TIMESTAMP,
  _SINCE_MONOTIME, _X509_SUBJECT_SHORT, _X509_ISSUER_SHORT, $CHALK_COMPONENT_CACHE""")
REPORT_LARGE_MINUS = K("""MAGIC, PRE_CHALK_HASH, VCS_DIFF_PATCH,
  _VCS_DIFF_PATCH, ERR_INFO, FAILED_KEYS, SIGNING, _OP_CHALKED_KEYS, _OP_ARTIFACT_REPORT_KEYS,
  _OP_ALL_IMAGE_METADATA, _OP_ALL_CONTAINER_METADATA, _CHALK_RUN_TIME""")
REPORT_DEFAULT_MINUS = K("""_PROCESS_DETAIL, _INSTANCE_LOCAL_IPV6, _INSTANCE_LOCAL_IPV6_PREFIX_LEN, _OP_EXIT_CODE, _DATE,
  _TIME, _TZ_OFFSET, _OP_HOST_REPORT_KEYS, _OP_TCP_SOCKET_INFO, _OP_UDP_SOCKET_INFO,
  _OP_IPV4_ROUTES, _OP_IPV6_ROUTES, _OP_IPV4_INTERFACES, _OP_IPV6_INTERFACES, _OP_ARP_TABLE,
  _OP_CPU_INFO, _OP_ALL_PS_INFO""") + ["_X509_" + k for k in K("""VERSION, SERIAL, KEY, KEY_TYPE,
  KEY_SIZE, KEY_USAGE, SIGNATURE, SIGNATURE_TYPE, EXTENDED_KEY_USAGE, BASIC_CONSTRAINTS,
  SUBJECT_KEY_IDENTIFIER, AUTHORITY_KEY_IDENTIFIER, EXTRA_EXTENSIONS""")]
INSERTION_MINUS = K("""DATE_CHALKED,
  TIME_CHALKED, TZ_OFFSET_WHEN_CHALKED, DATETIME_WHEN_CHALKED""") + HOST_WHEN + K(
  "PUBLIC_IPV4_ADDR_WHEN_CHALKED, TIMESTAMP_WHEN_CHALKED, CHALK_PTR")

HEARTBEAT_LOCKED = K("METADATA_ID, CHALK_ID, _CHALKS, _OPERATION, _TIMESTAMP, _DATETIME, _ACTION_ID, _EXEC_ID")
UNKNOWN_DOCKER = K("""_OPERATION, _ACTION_ID, _EXEC_ID, _DATETIME, _ARGV, _OP_CHALKER_COMMIT_ID,
  _OP_CHALKER_VERSION, _OP_PLATFORM, _OP_HOST_SYSNAME, _OP_HOST_NODENAME, _OP_HOST_RELEASE,
  _OP_HOST_VERSION, _OP_HOST_MACHINE""")
AUDIT = K("_OPERATION, _ACTION_ID, _TIMESTAMP, _DATETIME, _OP_CHALK_COUNT, _OP_CMD_FLAGS, _OP_CONFIG, _CHALK_EXTERNAL_ACTION_AUDIT")
USAGE = K("_OPERATION, _TIMESTAMP, _OP_CHALK_COUNT, _OP_CHALKER_COMMIT_ID, _OP_CHALKER_VERSION, _OP_PLATFORM")
GIT14 = K("""ORIGIN_URI, BRANCH, TAG, TAG_SIGNED, COMMIT_ID, COMMIT_SIGNED, AUTHOR, DATE_AUTHORED, COMMITTER,
  DATE_COMMITTED, COMMIT_MESSAGE, TAGGER, DATE_TAGGED, TAG_MESSAGE""")
TERMINAL_INSERT_ON = K("""_OPERATION,
  _ACTION_ID, _DATETIME, _CHALKS, _COLLECTED_ARTIFACTS, _OP_ARGV, _OP_ANCESTOR_ARGVS,
  _OP_CHALKER_VERSION, _OP_CHALK_COUNT, _OP_UNMARKED_COUNT, _OP_ERRORS, _ENV, CHALK_ID,
  CHALK_VERSION, PRE_CHALK_HASH, PATH_WHEN_CHALKED, ARTIFACT_TYPE""") + GIT14 + ["_" + k for k in GIT14] + K(
  """EMBEDDED_CHALK, _ERR_INFO, DOCKER_FILE, DOCKER_FILE_CHALKED, DOCKERFILE_PATH,
  DOCKERFILE_PATH_WITHIN_VCTL, DOCKER_PLATFORM, DOCKER_PLATFORMS, DOCKER_LABELS,
  DOCKER_ANNOTATIONS, DOCKER_TAGS, DOCKER_BASE_IMAGE_METADATA_ID, DOCKER_BASE_IMAGE_CHALK,
  DOCKER_BASE_IMAGE, DOCKER_BASE_IMAGE_REGISTRY, DOCKER_BASE_IMAGE_NAME, METADATA_ID, SIGNATURE,
  _SIGNATURES, _VALIDATED_SIGNATURE, _VIRTUAL, _CURRENT_HASH, _IMAGE_CONFIG_DIGEST, _REPO_URLS,
  _REPO_TAGS, _REPO_DIGESTS, _REPO_BUILD_CONTEXTS, _REPO_BUILD_CONTEXT_TAR_SIZES,
  _REPO_BUILD_CONTEXT_SKIPPED_FILES, DOCKER_BUILD_CONTEXT_SNAPSHOTS, _REPO_LIST_DIGESTS,
  _X509_SUBJECT, _X509_SUBJECT_ALTERNATIVE_NAME, _X509_ISSUER, _X509_NOT_BEFORE, _X509_NOT_AFTER""")
DOCKER_ENV9 = None  # filled from the catalog: the nine _DOCKER_* environment keys
TERMINAL_INSERT_OFF_EXTRA = K("""ERR_INFO DOCKER_BASE_IMAGE_REPO DOCKER_BASE_IMAGE_TAG DOCKER_BASE_IMAGE_DIGEST
  DOCKER_BASE_IMAGE_CONFIG_DIGEST DOCKER_BASE_IMAGES DOCKER_COPY_IMAGES""")
TERMINAL_REST_MINUS = K("PRE_CHALK_HASH, _VIRTUAL, _ACTION_ID")
TERMINAL_REST_PLUS = K("""OLD_CHALK_METADATA_HASH, OLD_CHALK_METADATA_ID,
  DOCKER_BASE_IMAGE_REPO, DOCKER_BASE_IMAGE_TAG, DOCKER_BASE_IMAGE_DIGEST,
  DOCKER_BASE_IMAGE_CONFIG_DIGEST, DOCKER_BASE_IMAGES, DOCKER_COPY_IMAGES, _OP_ARTIFACT_TYPE,
  _OP_ARTIFACT_CONTEXT, _OP_ARTIFACT_PATH, _OP_ARTIFACT_ENV_VAR_NAME,
  _OP_ARTIFACT_PATH_WITHIN_VCTL, _INSTANCE_CONTAINER_ID, _INSTANCE_NAME""")


def template(kind, name, entries, extra=""):
    """entries: ordered list of (key, use, locked)."""
    lines = [f"{kind} {name} {{"]
    for k, use, locked in entries:
        lines.append(f"  {'~' if locked else ''}key.{k}.use = {'true' if use else 'false'}")
    if extra:
        lines.append(extra)
    lines.append("}")
    return "\n".join(lines)


def on(keys):
    return [(k, True, False) for k in keys]


def off(keys):
    return [(k, False, False) for k in keys]


def dedupe(entries):
    seen = {}
    for k, u, l in entries:
        seen[k] = (u, l)  # the last assignment wins
    return [(k, u, l) for k, (u, l) in seen.items()]


def effective(entries):
    return {k for k, u, _ in dedupe(entries) if u}


def build_templates(catalog):
    names = [n for n, _ in catalog]
    known = set(names)
    global DOCKER_ENV9
    DOCKER_ENV9 = [n for n in names if n.startswith("_DOCKER_")]
    assert len(DOCKER_ENV9) == 9, DOCKER_ENV9
    docker_mark = [k for k in MARK_DEFAULT_ON if k.startswith("DOCKER_")]

    T = {}
    T["mark_default"] = ("mark_template", on(MARK_DEFAULT_ON) + off(MARK_DEFAULT_OFF), "")
    repro = [k for k in MARK_DEFAULT_ON if k not in REPRO_OFF + REPRO_DROP + docker_mark]
    T["reproducable"] = ("mark_template", on(repro) + off(MARK_DEFAULT_OFF + REPRO_OFF), "")
    T["minimal"] = ("mark_template", on(MINIMAL_ON), "")
    large = MARK_DEFAULT_ON + MARK_LARGE_PLUS
    T["mark_large"] = ("mark_template", on(large) + off(MARK_LARGE_OFF), "")
    mark_all = [k for k in large if not k.startswith("$")] + MARK_ALL_PLUS
    T["mark_all"] = ("mark_template", on(mark_all), "")
    T["chalk_labels"] = ("mark_template", on(CHALK_LABELS), "")

    T["null"] = ("report_template", [], "")
    all_on = [n for n in names if n not in REPORT_ALL_OFF]
    T["report_all"] = ("report_template", on(all_on) + off(REPORT_ALL_OFF), "")
    large_on = [k for k in all_on if k not in REPORT_LARGE_MINUS]
    T["report_large"] = ("report_template", on(large_on) + off(REPORT_ALL_OFF + REPORT_LARGE_MINUS), "")
    default_on = [k for k in large_on if k not in REPORT_DEFAULT_MINUS]
    T["report_default"] = ("report_template",
                           on(default_on) + off(REPORT_ALL_OFF + REPORT_LARGE_MINUS + REPORT_DEFAULT_MINUS), "")
    ins_on = [k for k in default_on if k not in INSERTION_MINUS]
    T["insertion_default"] = ("report_template",
                              on(ins_on) + off(REPORT_ALL_OFF + REPORT_LARGE_MINUS + REPORT_DEFAULT_MINUS + INSERTION_MINUS), "")
    T["heartbeat"] = ("report_template", [(k, True, True) for k in HEARTBEAT_LOCKED] + on(["_COLLECTED_ARTIFACTS"]), "")
    T["unknown_docker"] = ("report_template", on(UNKNOWN_DOCKER), "")
    T["audit"] = ("report_template", on(AUDIT), "")
    T["usage"] = ("report_template", [(k, True, True) for k in USAGE], "")
    T["terminal_insert"] = ("report_template", on(TERMINAL_INSERT_ON) + off(DOCKER_ENV9 + TERMINAL_INSERT_OFF_EXTRA), "")
    rest = [k for k in TERMINAL_INSERT_ON if k not in TERMINAL_REST_MINUS] + TERMINAL_REST_PLUS
    T["terminal_rest"] = ("report_template", on(rest) + off(["ERR_INFO"] + DOCKER_ENV9), "")

    counts = {"report_all": 524, "report_large": 512, "report_default": 482, "insertion_default": 470}
    for name, (kind, entries, _) in T.items():
        for k, _, _ in entries:
            assert k in known, f"{name}: unknown key {k}"
        if name in counts:
            assert len(effective(entries)) == counts[name], (name, len(effective(entries)))
    return T


def check_against_upstream(T, chalk_path, report_path):
    text = open(chalk_path).read() + "\n" + open(report_path).read()
    text = re.sub(r'"""[\s\S]*?"""', '""', text)
    ok = True
    for m in re.finditer(r'^(mark_template|report_template)\s+(\S+)\s*\{(.*?)^\}', text, re.M | re.S):
        kind, name, body = m.groups()
        if name not in T:
            continue
        body = re.sub(r'if not in_container\(\) \{[^}]*\}', '', body)
        up = {}
        for km in re.finditer(r'~?key\.(\S+?)\s*\.use\s*=\s*(true|false)', body):
            up[km.group(1)] = km.group(2) == "true"
        ours = {k: u for k, (u, _) in {k: (u, l) for k, u, l in T[name][1]}.items()}
        up_on = {k for k, u in up.items() if u}
        our_on = {k for k, u in ours.items() if u}
        if up_on != our_on:
            ok = False
            print(f"{name}: only upstream {sorted(up_on - our_on)}; only ours {sorted(our_on - up_on)}", file=sys.stderr)
    return ok


def swift_file(name, const, doc, body):
    assert '"""#' not in body
    return (f"// GENERATED by scripts/gen-base-config.py; do not edit by hand.\n\n"
            f"extension BaseConfig {{\n    /// {doc}\n    static let {const} = #\"\"\"\n{body}\n\"\"\"#\n}}\n")


def main():
    catalog = parse_keyspecs(sys.argv[1])
    assert len(catalog) == 534, len(catalog)
    lines = ["enum ChalkTimeHost, ChalkTimeArtifact, RunTimeArtifact, RunTimeHost",
             'chalk_version := version()', 'ascii_magic := "dadfedabbadabbed"']
    lines += [keyspec_line(n, f) for n, f in catalog]
    half = len(lines) // 2
    open(f"{OUT}/GeneratedKeyspecs1.swift", "w").write(swift_file(
        "keyspecs1", "keyspecs1", "Key catalog (spec/config.md §4), first half.", "\n".join(lines[:half])))
    open(f"{OUT}/GeneratedKeyspecs2.swift", "w").write(swift_file(
        "keyspecs2", "keyspecs2", "Key catalog (spec/config.md §4), second half.", "\n".join(lines[half:])))

    T = build_templates(catalog)
    if len(sys.argv) > 3 and not check_against_upstream(T, sys.argv[2], sys.argv[3]):
        print("templates differ from upstream (see above)", file=sys.stderr)
    groups = {
        "GeneratedMarkTemplates": ("markTemplates", ["mark_default", "reproducable", "minimal", "mark_large", "mark_all", "chalk_labels"]),
        "GeneratedReportTemplates1": ("reportTemplates1", ["null", "report_all"]),
        "GeneratedReportTemplates2": ("reportTemplates2", ["report_large"]),
        "GeneratedReportTemplates3": ("reportTemplates3", ["report_default"]),
        "GeneratedReportTemplates4": ("reportTemplates4", ["insertion_default"]),
        "GeneratedReportTemplates5": ("reportTemplates5", ["heartbeat", "unknown_docker", "audit", "usage",
                                                            "terminal_insert", "terminal_rest"]),
    }
    for fname, (const, names) in groups.items():
        parts = []
        for n in names:
            kind, entries, extra = T[n]
            if n == "report_default" or n == "insertion_default":
                extra = "  if not in_container() {\n    key._OP_ALL_PS_INFO.use = false\n  }"
            parts.append(template(kind, n, entries, extra))
        open(f"{OUT}/{fname}.swift", "w").write(swift_file(fname, const, "Built-in templates (spec/config.md §3).", "\n\n".join(parts)))


main()
