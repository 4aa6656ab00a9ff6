#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Marking
import Config
import ChalkLog

/// Publishes an operation's reports (spec/config.md §5.5): the primary report on topic `report`
/// with the operation's `outconf` template (RULINGS 17), then every enabled `custom_report`
/// whose `use_when` matches, each on its own topic with its template and sink_configs. Sinks run
/// in descending `priority`. A failing sink logs on stderr and hands the report to the report
/// cache; reports cached by earlier runs go out first with the next message to their sink.
///
/// - Parameters:
///   - run: what the operation collected.
///   - config: the effective configuration.
///   - options: deadline, terminal detection, version for headers.
/// - Returns: what was built, delivered, cached. Never throws: reporting never fails the
///   operation.
public func publishReports(_ run: CollectedRun, config: ChalkConfig, options: PublishOptions = PublishOptions()) -> PublishOutcome {
    let publisher = ReportPublisher(config: config, options: options)
    return publisher.publish(run)
}

/// The built-in summary reports that print on stdout; they run only when stdout is a terminal
/// (issue 3's output contract) and never for exec (RULINGS 7).
let summaryReportNames: Set<String> = ["terminal_chalk_time", "terminal_other_op", "github_group_chalk_time", "gitlab_group_chalk_time"]
let execOperations: Set<String> = ["exec", "heartbeat", "postexec"]

/// One publishing pass (one run's reports). Not shared between threads.
final class ReportPublisher {
    private let config: ChalkConfig
    private let options: PublishOptions
    private let cache: ReportCache
    private var snapshot = ReportCache.Snapshot()
    private var changes = ReportCache.Changes()
    private var outcome = PublishOutcome()
    private var sinks: [String: any ReportSink] = [:]
    private var brokenConfigs: Set<String> = []
    /// Sinks that failed this run: later messages go straight to the cache, so a dead endpoint
    /// costs its timeout once per run, not once per report.
    private var failedSinks: Set<String> = []
    /// Sinks that already received their cached reports this run.
    private var flushedSinks: Set<String> = []
    /// This run's undelivered reports, one row per topic.
    private var pendingRows: [String: CachedReport] = [:]
    private var pendingOrder: [String] = []
    private var currentDelivered = false
    private var operation = ""
    private var actionID: String?
    /// For `X-Chalk-Version`: the caller's, else the report's `_OP_CHALKER_VERSION`.
    private var chalkVersion: String

    init(config: ChalkConfig, options: PublishOptions) {
        self.config = config
        self.options = options
        self.cache = ReportCache(config: config)
        self.chalkVersion = options.chalkVersion
    }

    func publish(_ run: CollectedRun) -> PublishOutcome {
        operation = run.operation
        actionID = run.host["_ACTION_ID"]?.stringValue
        if chalkVersion.isEmpty { chalkVersion = run.host["_OP_CHALKER_VERSION"]?.stringValue ?? "" }
        snapshot = cache.load()
        let extra: ChalkObject = snapshot.dropped > 0 ? ["_OP_REPORTS_DROPPED": .int(snapshot.dropped)] : [:]

        if !config.skipCommandReport {
            if let template = config.reportTemplate(for: run.operation) {
                publish(topic: "report", run: run, template: template, extra: extra,
                        sinkNames: config.subscriptions["report"] ?? [])
            } else {
                Log.trace("no report template for operation '\(run.operation)': no primary report")
            }
        }
        if !config.skipCustomReports {
            for name in config.customReports.keys.sorted() {
                guard let cr = config.customReports[name], shouldRun(cr, operation: run.operation) else { continue }
                guard let template = config.reportTemplates[cr.reportTemplate] else {
                    Log.error("custom report '\(name)' uses report template '\(cr.reportTemplate)', which does not exist")
                    continue
                }
                var sinkNames = cr.sinkConfigs
                for s in config.subscriptions[name] ?? [] where !sinkNames.contains(s) { sinkNames.append(s) }
                if sinkNames.isEmpty {
                    Log.warn("custom report '\(name)' has no sink_configs")
                    continue
                }
                publish(topic: name, run: run, template: template, extra: extra, sinkNames: sinkNames)
            }
        }
        finish()
        return outcome
    }

    private func shouldRun(_ cr: CustomReport, operation: String) -> Bool {
        guard cr.enabled, cr.useWhen.contains("*") || cr.useWhen.contains(operation) else { return false }
        // No traffic leaves the machine unless the user configured it (RULINGS 13); audit needs
        // publish_audit, which is not supported yet.
        if cr.name == "chalk_usage_stats" || cr.name == "audit" { return false }
        if summaryReportNames.contains(cr.name) {
            if config.skipSummaryReport || execOperations.contains(operation) { return false }
            return options.stdoutIsTerminal ?? (isatty(1) == 1)
        }
        return true
    }

    private func priority(_ sc: SinkConfig) -> Int64 { sc.params["priority"]?.intValue ?? Int64(sc.priority) }

    /// A message that is not a report (`virtual`, `confdump`, ...): sent as-is, after each
    /// sink's filters, to the sinks subscribed to `topic`. Failures are logged, not cached.
    func publishRaw(_ message: String, topic: String) -> PublishOutcome {
        operation = topic
        for sc in subscribers(topic: topic, sinkNames: config.subscriptions[topic] ?? []) {
            guard let sink = sink(for: sc) else { continue }
            let text = MessageFilters.apply(sc.filters, to: message, sinkConfig: sc.name, unixSeconds: OperationTime.now().milliseconds / 1000)
            do throws(SinkError) {
                try sink.send(text, context: SendContext(operation: topic, topic: topic, deadline: options.deadline))
                outcome.delivered.append(Delivery(topic: topic, sinkConfig: sc.name, reports: 0, error: nil))
            } catch {
                Log.error("\(error) (sink conf='\(sc.name)')")
                outcome.failed.append(Delivery(topic: topic, sinkConfig: sc.name, reports: 0, error: error.description))
            }
        }
        return outcome
    }

    private func publish(topic: String, run: CollectedRun, template: Template, extra: ChalkObject, sinkNames: [String]) {
        let report = ReportBuilder.build(run, template: template, config: config, extra: extra)
        outcome.reports.append((topic, report))
        let ordered = subscribers(topic: topic, sinkNames: sinkNames)
        if ordered.isEmpty { return }
        let text = ReportJSON.compact(.object(report))
        // What goes to the cache if a sink fails: the report without the drop count, which
        // stays in the cache until a report carrying it is delivered.
        let cacheText = extra.isEmpty ? text : ReportJSON.compact(.object(ReportBuilder.build(run, template: template, config: config)))
        for sc in ordered { deliver(Item(text: text, cachedID: nil, cacheText: cacheText), topic: topic, to: sc) }
    }

    /// The enabled sink_configs for `topic`, highest `priority` first.
    private func subscribers(topic: String, sinkNames: [String]) -> [SinkConfig] {
        var configs: [SinkConfig] = []
        for name in sinkNames where !configs.contains(where: { $0.name == name }) {
            guard let sc = config.sinkConfigs[name] else {
                Log.error("topic '\(topic)': sink config '\(name)' is not defined")
                continue
            }
            if sc.enabled { configs.append(sc) } else { Log.trace("sink config '\(name)' is disabled") }
        }
        if configs.isEmpty { Log.info("Nothing subscribed to topic: \(topic)") }
        // Stable sort: equal priorities keep the configured order.
        return configs.enumerated().sorted {
            priority($0.element) != priority($1.element) ? priority($0.element) > priority($1.element) : $0.offset < $1.offset
        }.map(\.element)
    }

    /// An item of an envelope: this run's report (id nil) or a cached one.
    private struct Item {
        var text: String
        var cachedID: String?
        var cacheText: String = ""
    }

    private func deliver(_ current: Item, topic: String, to sc: SinkConfig) {
        guard let sink = sink(for: sc) else { return }
        var items = [current]
        if !flushedSinks.contains(sc.name) {
            flushedSinks.insert(sc.name)
            for row in snapshot.rows where row.sinks.contains(sc.name) {
                let t = row.objectText
                if !t.isEmpty { items.append(Item(text: t, cachedID: row.id)) }
            }
        }
        for batch in pack(items, limit: sink.maxMessageBytes) { send(batch, topic: topic, sink: sink, sc: sc) }
    }

    private func sink(for sc: SinkConfig) -> (any ReportSink)? {
        if let s = sinks[sc.name] { return s }
        if brokenConfigs.contains(sc.name) { return nil }
        do throws(SinkError) {
            let s = try SinkFactory.make(sc, config: config, chalkVersion: chalkVersion)
            sinks[sc.name] = s
            return s
        } catch {
            brokenConfigs.insert(sc.name)
            Log.error("\(error) (sink conf='\(sc.name)')")
            return nil
        }
    }

    /// Splits items into envelopes of at most `limit` bytes (an item larger than the limit
    /// travels alone).
    private func pack(_ items: [Item], limit: Int?) -> [[Item]] {
        guard let limit else { return [items] }
        var batches: [[Item]] = []
        var current: [Item] = []
        var size = 3  // "[ " ... " ]\n" minus separators, roughly
        for item in items {
            let n = item.text.utf8.count + 2
            if !current.isEmpty && size + n > limit {
                batches.append(current)
                current = []
                size = 3
            }
            current.append(item)
            size += n
        }
        if !current.isEmpty { batches.append(current) }
        return batches
    }

    private func send(_ batch: [Item], topic: String, sink: any ReportSink, sc: SinkConfig) {
        if failedSinks.contains(sc.name) {
            keepForLater(batch, topic: topic, sink: sc.name, error: "sink failed earlier in this run")
            return
        }
        let envelope = ReportJSON.envelope(objectTexts: batch.map(\.text))
        let message = MessageFilters.apply(sc.filters, to: envelope, sinkConfig: sc.name,
                                           unixSeconds: OperationTime.now().milliseconds / 1000)
        let context = SendContext(operation: operation, actionID: actionID, topic: topic, deadline: options.deadline)
        do throws(SinkError) {
            try sink.send(message, context: context)
            markDelivered(batch, sink: sc.name)
            outcome.delivered.append(Delivery(topic: topic, sinkConfig: sc.name, reports: batch.count, error: nil))
            // `on_write_msg` (any sink): printed at info level after a successful write.
            if let note = sc.params["on_write_msg"]?.stringValue, !note.isEmpty { Log.info(note) }
            Log.trace("published \(batch.count) report(s) on topic '\(topic)' to sink conf '\(sc.name)'")
        } catch {
            switch error {
            case .tooLarge(let bytes, let detail) where batch.count > 1:
                Log.trace("\(detail): splitting \(batch.count) reports of \(bytes) bytes (sink conf='\(sc.name)')")
                let half = batch.count / 2
                send(Array(batch[..<half]), topic: topic, sink: sink, sc: sc)
                send(Array(batch[half...]), topic: topic, sink: sink, sc: sc)
            case .tooLarge(let bytes, let detail):
                // One report the receiver will never take: drop it so it can't block the cache,
                // and say so in the next report (RULINGS 16).
                Log.error("report of \(bytes) bytes refused as too large, dropped: \(detail) (sink conf='\(sc.name)')")
                if let id = batch[0].cachedID { changes.delivered[id, default: []].insert(sc.name) }
                changes.droppedNow += 1
                outcome.droppedReports += 1
                outcome.failed.append(Delivery(topic: topic, sinkConfig: sc.name, reports: 1, error: error.description))
            case .skipped(let why):
                Log.trace("sink conf '\(sc.name)' skipped: \(why)")
                failedSinks.insert(sc.name)
                keepForLater(batch, topic: topic, sink: sc.name, error: why)
            case .failed(let why):
                Log.error("\(why) (sink conf='\(sc.name)')")
                failedSinks.insert(sc.name)
                keepForLater(batch, topic: topic, sink: sc.name, error: why)
            }
        }
    }

    private func markDelivered(_ batch: [Item], sink: String) {
        for item in batch {
            if let id = item.cachedID {
                changes.delivered[id, default: []].insert(sink)
                outcome.flushedFromCache += 1
            } else {
                currentDelivered = true
            }
        }
    }

    /// This run's report in a failed batch goes to the cache for `sink`; cached reports in it
    /// simply stay where they are.
    private func keepForLater(_ batch: [Item], topic: String, sink: String, error: String) {
        outcome.failed.append(Delivery(topic: topic, sinkConfig: sink, reports: batch.count, error: error))
        for item in batch where item.cachedID == nil {
            if var row = pendingRows[topic] {
                if !row.sinks.contains(sink) { row.sinks.append(sink) }
                pendingRows[topic] = row
            } else {
                pendingRows[topic] = CachedReport(id: RandomBytes.hex(16), message: ReportJSON.envelope(objectTexts: [item.cacheText]),
                                                  topic: topic, sinks: [sink])
                pendingOrder.append(topic)
            }
        }
    }

    private func finish() {
        changes.added = pendingOrder.compactMap { pendingRows[$0] }
        // The drop count went out with a delivered report: it has been said.
        if currentDelivered { changes.droppedReported = snapshot.dropped }
        let kept = cache.commit(changes)
        guard !changes.added.isEmpty else { return }
        if kept {
            outcome.cachedReports = changes.added.count
            Log.info("\(changes.added.count) undelivered report(s) kept in the report cache \(cache.path ?? "")")
        } else if config.forceOutputOnReportingFails && !execOperations.contains(operation) {
            // force_output_on_reporting_fails: rather than lose the report, show it (on stderr,
            // where diagnostics go; exec stays quiet).
            for row in changes.added {
                Log.writeStderr("chalk: undelivered '\(row.topic)' report:\n" + row.message)
            }
        }
    }
}

/// Publishes a message that is not a report (the `virtual` topic's marks, `confdump`, ...) to the
/// sinks subscribed to `topic`: as-is after each sink's filters. Failures are logged on stderr,
/// not cached.
public func publishMessage(_ message: String, topic: String, config: ChalkConfig,
                           options: PublishOptions = PublishOptions()) -> PublishOutcome {
    ReportPublisher(config: config, options: options).publishRaw(message, topic: topic)
}
