import Marking
import Config

/// Builds host-report objects from what an operation collected and a report template
/// (spec/config.md §7.1).
public enum ReportBuilder {
    /// The host-report object for `run` under `template`:
    /// - host keys the template turns on, with non-empty values;
    /// - `_CHALKS`: each marked artifact filtered by the template (empty items skipped; the key
    ///   is absent when no item is left);
    /// - `_UNMARKED`, `_OP_ERRORS` when on and non-empty;
    /// - `_OPERATION`, `_OP_CHALK_COUNT`, `_OP_UNMARKED_COUNT` when on (unless the host keys
    ///   already carry them);
    /// - `extra` keys (e.g. `_OP_REPORTS_DROPPED`) always.
    /// Keys are ordered by the template's `order`, else the keyspec's `normalized_order`, ties by
    /// name (spec/config.md §4.1).
    public static func build(_ run: CollectedRun, template: Template, config: ChalkConfig,
                             extra: ChalkObject = [:]) -> ChalkObject {
        var pairs: [(String, ChalkValue)] = []
        var seen = Set<String>()
        func add(_ k: String, _ v: ChalkValue) {
            guard !seen.contains(k), !v.isEmptyForMark else { return }
            seen.insert(k)
            pairs.append((k, v))
        }
        for (k, v) in extra.entries { add(k, v) }
        if template.uses("_OPERATION") { add("_OPERATION", .string(run.operation)) }
        for (k, v) in run.host.entries where template.uses(k) { add(k, v) }
        if template.uses("_CHALKS") {
            let items = run.chalks.map { filterArtifact($0, template: template, config: config) }.filter { !$0.isEmpty }
            add("_CHALKS", .array(items.map { .object($0) }))
        }
        if template.uses("_UNMARKED") { add("_UNMARKED", .array(run.unmarked.map { .string($0) })) }
        if template.uses("_OP_ERRORS") { add("_OP_ERRORS", .array(run.errors.map { .string($0) })) }
        if template.uses("_OP_CHALK_COUNT") { add("_OP_CHALK_COUNT", .int(Int64(run.chalks.count))) }
        if template.uses("_OP_UNMARKED_COUNT") { add("_OP_UNMARKED_COUNT", .int(Int64(run.unmarked.count))) }
        return ChalkObject(sortByOrder(pairs, template: template, config: config))
    }

    /// One `_CHALKS` item: the artifact's keys the template turns on, in key order.
    public static func filterArtifact(_ item: ChalkObject, template: Template, config: ChalkConfig) -> ChalkObject {
        let pairs = item.entries.filter { template.uses($0.key) && !$0.value.isEmptyForMark }.map { ($0.key, $0.value) }
        return ChalkObject(sortByOrder(pairs, template: template, config: config))
    }

    static func sortByOrder(_ pairs: [(String, ChalkValue)], template: Template, config: ChalkConfig) -> [(String, ChalkValue)] {
        pairs.map { (key: $0.0, value: $0.1, order: template.order[$0.0] ?? config.order(of: $0.0)) }
            .sorted { $0.order != $1.order ? $0.order < $1.order : $0.key < $1.key }
            .map { ($0.key, $0.value) }
    }
}
