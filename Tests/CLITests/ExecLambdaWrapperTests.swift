import Foundation
import Testing
import ChalkTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// The AWS Lambda wrapper form of docs/serverless.md: Lambda runs AWS_LAMBDA_EXEC_WRAPPER with
/// the runtime's command line; the wrapper runs it under `chalk exec --`.
@Suite(.enabled(if: SignalStateHelper.path != nil, "needs a C compiler for the seccomp helper"))
struct ExecLambdaWrapperTests {
    /// Lambda's documented runtime environment variables (values as a function would see them;
    /// the runtime API points at loopback).
    static let lambdaEnvironment = [
        "AWS_LAMBDA_FUNCTION_NAME": "chalk-wrapped", "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128", "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/chalk-wrapped",
        "AWS_LAMBDA_LOG_STREAM_NAME": "2026/11/30/[$LATEST]0123456789abcdef", "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1", "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
        "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001", "LAMBDA_TASK_ROOT": "/var/task",
        "LAMBDA_RUNTIME_DIR": "/var/runtime", "_HANDLER": "app.handler", "TZ": ":UTC",
    ]

    @Test func wrapperRunsTheRuntimeUnderChalkQuietlyDespiteSubreaperEPERM() throws {
        let dir = try TestSupport.makeTempDir("exec-lambda")
        defer { TestSupport.removeTree(dir) }
        // The wrapper of docs/serverless.md, with /opt/chalk replaced by the binary under test.
        let wrapper = ExecTest.write("#!/bin/sh\nexec \(ExecTest.chalk) exec -- \"$@\"\n", to: dir, name: "chalk-wrapper",
                                     mode: 0o755)
        // A stand-in runtime: prints its arguments and a Lambda variable, and exits 0 ... or 3.
        let runtime = ExecTest.write("""
            #!/bin/sh
            for a in "$@"; do echo "arg=[$a]"; done
            echo "function=$AWS_LAMBDA_FUNCTION_NAME"
            sleep 0.3
            exit ${RUNTIME_EXIT:-0}
            """, to: dir, name: "bootstrap", mode: 0o755)
        ExecTest.writeGenerousDeadlineConfig(home: dir)
        var env = ExecTest.environment(home: dir, extra: Self.lambdaEnvironment)
        env["AWS_LAMBDA_EXEC_WRAPPER"] = wrapper
        env["CHALK_SUBREAPER"] = "1"   // asks for a subreaper: Lambda refuses it
        env["RUNTIME_EXIT"] = "3"
        let (exe, argv) = SignalStateHelper.wrap([wrapper, runtime, "--handler", "app.handler", "two words", "-x"],
                                                 options: ["--deny-subreaper"])
        let r = try TestSupport.run(exe, argv, environment: env, timeout: 60)
        #expect(r.status == 3, "the runtime's exit code passes through")
        #expect(r.stdout == "arg=[--handler]\narg=[app.handler]\narg=[two words]\narg=[-x]\nfunction=chalk-wrapped\n")
        #expect(r.stderr.isEmpty, "EPERM on the subreaper request must be quiet: \(r.stderr)")
        let reports = ExecTest.reports(home: dir)
        #expect(reports.first?["_OPERATION"] as? String == "exec")
        let item = (reports.first?["_CHALKS"] as? [[String: Any]])?.first
        #expect(item?["_OP_ARTIFACT_PATH"] as? String == runtime)
        #expect(reports.last?["_OPERATION"] as? String == "postexec")
    }
}
