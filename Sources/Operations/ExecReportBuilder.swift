import Marking
import Reporting
#if canImport(Glibc)
import Glibc
#endif

/// Builds the exec, heartbeat and postexec reports as `CollectedRun`s. Each report is built
/// fresh from small, fixed inputs, so heartbeats use constant memory (Chalk leaked ~1 MB per
/// beat, #443).
struct ExecReportBuilder: Sendable {
    let info: ExecRunInfo
    /// `_EXEC_ID`: 16 lower-case hex digits, the same in every report of this run.
    let execID: String
    /// `_EXEC_REPORTING_PROBABILITY` (RULINGS 3).
    let probability: Int64
    /// The workload's artifact object without run-time process keys (mark keys, path, type, hash).
    let artifact: ChalkObject
    let marked: Bool
    /// The image's `/chalk.json` mark, a second `_CHALKS` item (RULINGS 6).
    let containerMark: ChalkObject?
    let collectors: ExecCollectors

    init(info: ExecRunInfo, execID: String, probability: Int64, collectors: ExecCollectors) {
        self.info = info; self.execID = execID; self.probability = probability; self.collectors = collectors
        let scanned = ExecMarkReader.readArtifact(path: info.artifactPath)
        var a = ChalkObject()
        if let mark = scanned?.mark {
            for (k, v) in mark.entries where k != "MAGIC" { a[k] = v }
        }
        a["_OP_ARTIFACT_PATH"] = .string(info.artifactPath)
        a.setIfNotEmpty("_OP_ARTIFACT_TYPE", scanned.map { .string($0.artifactType) })
        a.setIfNotEmpty("_CURRENT_HASH", scanned?.currentHash.map { .string($0) })
        if let validation = scanned?.validation { a.setValidation(validation) }
        artifact = a
        marked = scanned?.mark != nil
        containerMark = ExecMarkReader.readContainerMark(environment: collectors.collector.context.environment)
    }

    /// The primary `exec` report.
    func execReport() -> CollectedRun {
        var host = collectors.hostKeys()
        host.merge(commonHost(operation: "exec", millis: info.startMillis))
        var item = artifact
        item.merge(collectors.processKeys(path: info.artifactPath, pid: info.workloadPID, argv: info.workloadArgv))
        var chalks = [item]
        if let containerMark { chalks.append(containerMark) }
        host["_OP_CHALK_COUNT"] = .int(Int64((marked ? 1 : 0) + (containerMark == nil ? 0 : 1)))
        host["_OP_UNMARKED_COUNT"] = .int(marked ? 0 : 1)
        return CollectedRun(operation: "exec", host: host, chalks: chalks, unmarked: marked ? [] : [info.artifactPath])
    }

    /// A `heartbeat` report: the same artifact object, a fresh timestamp and action id.
    func heartbeatReport(count: Int64) -> CollectedRun {
        var host = collectors.hostKeys()
        host.merge(commonHost(operation: "heartbeat", millis: OperationTime.now().milliseconds))
        host["_HEARTBEAT_COUNT"] = .int(count)
        host["_SINCE_TIMESTAMP"] = .int(OperationTime.now().milliseconds - info.startMillis)
        var item = artifact
        item.merge(collectors.processKeys(path: info.artifactPath, pid: info.workloadPID, argv: info.workloadArgv))
        return CollectedRun(operation: "heartbeat", host: host, chalks: [item],
                            unmarked: marked ? [] : [info.artifactPath])
    }

    /// The `postexec` report (RULINGS 4): `_OP_EXIT_CODE` is chalk's own exit code.
    func postexecReport(exitCode: Int32) -> CollectedRun {
        var host = collectors.hostKeys()
        host.merge(commonHost(operation: "postexec", millis: OperationTime.now().milliseconds))
        host["_OP_EXIT_CODE"] = .int(Int64(exitCode))
        return CollectedRun(operation: "postexec", host: host)
    }

    private func commonHost(operation: String, millis: Int64) -> ChalkObject {
        var h = ChalkObject()
        h["_OPERATION"] = .string(operation)
        h["_EXEC_ID"] = .string(execID)
        h["_EXEC_REPORTING_PROBABILITY"] = .int(probability)
        h["_TIMESTAMP"] = .int(millis)
        let time = OperationTime(milliseconds: millis)
        h["_DATETIME"] = .string(time.dateTime)
        h["_DATE"] = .string(time.date)
        h["_TIME"] = .string(time.time)
        h["_ACTION_ID"] = .string(SystemFacts.randomHex64())
        return h
    }
}
