import Mustache

/// The web page's templates (swift-mustache), compiled into the binary so the server needs no
/// files at run time. Everything the browser gets is inline: no scripts, fonts or other assets.
enum PageTemplates {
    static let head = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · chalk-server</title>
        <style>
        body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #1d2330; background: #f6f7f9; }
        header { background: #1d2330; color: #fff; padding: 10px 24px; display: flex; align-items: center; gap: 16px; }
        header a { color: #fff; text-decoration: none; font-weight: 600; }
        header form { margin-left: auto; }
        main { max-width: 1200px; margin: 0 auto; padding: 20px 24px 40px; }
        h1 { font-size: 22px; margin: 4px 0 16px; }
        h2 { font-size: 17px; margin: 28px 0 10px; }
        table { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid #d9dde5; }
        th, td { text-align: left; padding: 7px 10px; border-bottom: 1px solid #e6e9ef; vertical-align: top; }
        th { background: #eef1f5; font-weight: 600; font-size: 13px; }
        tr:hover td { background: #fafbfd; }
        code, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 13px; }
        .muted { color: #6b7280; }
        .num { text-align: right; }
        form.search { display: flex; gap: 8px; margin-bottom: 16px; }
        input[type=text], input[type=password] { padding: 7px 9px; border: 1px solid #c4cad4; border-radius: 4px; font-size: 14px; min-width: 320px; }
        button { padding: 7px 14px; border: 0; border-radius: 4px; background: #2f5bd3; color: #fff; font-size: 14px; cursor: pointer; }
        header button { background: #3a4356; }
        dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 18px; background: #fff; border: 1px solid #d9dde5; padding: 12px 16px; margin: 0; }
        dt { font-weight: 600; }
        dd { margin: 0; word-break: break-all; }
        pre { background: #fff; border: 1px solid #d9dde5; padding: 12px; white-space: pre-wrap; word-break: break-all; font-size: 12px; }
        .error { color: #b42318; }
        .card { background: #fff; border: 1px solid #d9dde5; padding: 20px 24px; max-width: 520px; }
        </style>
        </head>
        <body>
        <header><a href="/">chalk-server</a><span class="muted">builds and where they run</span>
        {{#signedIn}}<form method="post" action="/signout"><button type="submit">Sign out</button></form>{{/signedIn}}
        </header>
        <main>
        """

    static let foot = """
        </main>
        </body>
        </html>
        """

    static let signIn = """
        {{> head}}
        <h1>Sign in</h1>
        <div class="card">
        <p>Enter a <strong>read</strong> token (made with <code>chalk-server token create --scope read</code>).</p>
        {{#error}}<p class="error">{{error}}</p>{{/error}}
        <form method="post" action="/signin">
        <p><input type="password" name="token" placeholder="chalk_…" autocomplete="off" required></p>
        <input type="hidden" name="next" value="{{next}}">
        <p><button type="submit">Sign in</button></p>
        </form>
        </div>
        {{> foot}}
        """

    static let builds = """
        {{> head}}
        <h1>Builds</h1>
        <form class="search" method="get" action="/">
        <input type="text" name="q" value="{{query}}" placeholder="Search repository, commit, branch, image, id…">
        <button type="submit">Search</button>
        {{#query}}<a href="/">clear</a>{{/query}}
        </form>
        <p class="muted">{{count}} build(s){{#query}} matching “{{query}}”{{/query}}{{#truncated}}, newest {{count}} shown{{/truncated}}.</p>
        <table>
        <thead><tr><th>Build (METADATA_ID)</th><th>Artifact</th><th>Repository</th><th>Commit</th><th>Branch</th><th>First seen</th><th>Last seen</th></tr></thead>
        <tbody>
        {{#builds}}
        <tr><td class="mono"><a href="/builds/{{metadataID}}">{{metadataID}}</a></td><td>{{artifactType}}</td><td>{{repo}}</td><td class="mono" title="{{commit}}">{{shortCommit}}</td><td>{{branch}}</td><td>{{firstSeen}}</td><td>{{lastSeen}}</td></tr>
        {{/builds}}
        {{^builds}}<tr><td colspan="7" class="muted">No builds yet. Point chalk's post sink at this server.</td></tr>{{/builds}}
        </tbody>
        </table>
        {{> foot}}
        """

    static let build = """
        {{> head}}
        <p><a href="/">← all builds</a></p>
        <h1>Build <span class="mono">{{metadataID}}</span></h1>
        <dl>
        <dt>METADATA_ID</dt><dd class="mono">{{metadataID}}</dd>
        <dt>CHALK_ID</dt><dd class="mono">{{chalkID}}</dd>
        <dt>Artifact type</dt><dd>{{artifactType}}</dd>
        <dt>Repository</dt><dd>{{repo}}</dd>
        <dt>Commit</dt><dd class="mono">{{commit}}</dd>
        <dt>Branch</dt><dd>{{branch}}</dd>
        <dt>First seen</dt><dd>{{firstSeen}}</dd>
        <dt>Last seen</dt><dd>{{lastSeen}}</dd>
        </dl>
        <h2>Where it runs</h2>
        <table id="runtime">
        <thead><tr><th>Host</th><th>Container</th><th>Pod</th><th>Function</th><th>First seen</th><th>Last seen</th><th class="num">Reports</th><th class="num">Est. executions</th></tr></thead>
        <tbody>
        {{#runtime}}
        <tr class="runtime-row"><td>{{host}}</td><td class="mono">{{container}}</td><td>{{pod}}</td><td>{{function}}</td><td>{{firstSeen}}</td><td>{{lastSeen}}</td><td class="num">{{reports}}</td><td class="num">{{executions}}</td></tr>
        {{/runtime}}
        {{^runtime}}<tr><td colspan="8" class="muted">No exec reports for this build yet.</td></tr>{{/runtime}}
        </tbody>
        </table>
        <h2>Reports ({{reportCount}})</h2>
        <table>
        <thead><tr><th>Operation</th><th>Received</th><th>Host</th></tr></thead>
        <tbody>
        {{#reports}}<tr><td>{{operation}}</td><td>{{received}}</td><td>{{host}}</td></tr>{{/reports}}
        </tbody>
        </table>
        <h2>Mark</h2>
        <pre>{{mark}}</pre>
        {{> foot}}
        """

    static let notFound = """
        {{> head}}
        <h1>Not found</h1>
        <p>{{message}}</p>
        <p><a href="/">← all builds</a></p>
        {{> foot}}
        """

    /// The compiled library; a template error is a programming error caught by the tests.
    static func library() throws -> MustacheLibrary {
        var library = MustacheLibrary()
        try library.register(head, named: "head")
        try library.register(foot, named: "foot")
        try library.register(signIn, named: "signin")
        try library.register(builds, named: "builds")
        try library.register(build, named: "build")
        try library.register(notFound, named: "notfound")
        return library
    }
}
