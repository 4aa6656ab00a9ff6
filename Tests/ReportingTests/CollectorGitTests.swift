import Foundation
import Testing
import ChalkTestSupport
@testable import Reporting
import Marking

/// The git collector against real repositories made with the git binary, compared with what
/// `git log` / `git for-each-ref` print for the same repository.
@Suite(.serialized) struct CollectorGitTests {
    typealias F = CollectorFixture

    /// A repository with two commits on branch `feature/x`, an https origin with credentials,
    /// an artifact file, a lightweight tag and an annotated tag at HEAD.
    func makeRepo() throws -> URL {
        let dir = try F.tempDir("git-repo")
        try F.sh("""
            git init -q -b feature/x . && echo one > a.txt && git add a.txt && git commit -q -m 'first commit'
            echo two >> a.txt && printf '#!/bin/sh\\necho hi\\n' > tool.sh && git add . \
              && git commit -q -m 'Second commit' -m 'Body line one.
            Body line two.'
            git remote add origin https://user:s3cr@t@example.com/org/repo.git
            git config branch.feature/x.remote origin
            git tag light
            GIT_COMMITTER_DATE='2024-04-01T10:00:00-07:00' git tag -a v1.2 -m 'Release 1.2

            Notes here.'
            """, in: dir)
        return dir
    }

    func gitLog(_ fmt: String, _ dir: URL, rev: String = "HEAD") throws -> String {
        try F.sh("git log -1 --format='\(fmt)' \(rev)", in: dir).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Checks every commit key against git's own output.
    func expectCommitKeys(_ o: ChalkObject, _ dir: URL, rev: String = "HEAD", prefix p: String = "") throws {
        #expect(o[p + "COMMIT_ID"]?.stringValue == (try gitLog("%H", dir, rev: rev)))
        #expect(o[p + "AUTHOR"]?.stringValue == (try F.sh("git log -1 --date=raw --format='%an <%ae> %ad' \(rev)", in: dir)
            .trimmingCharacters(in: .newlines)))
        #expect(o[p + "COMMITTER"]?.stringValue == (try F.sh("git log -1 --date=raw --format='%cn <%ce> %cd' \(rev)", in: dir)
            .trimmingCharacters(in: .newlines)))
        #expect(o[p + "DATE_AUTHORED"]?.stringValue == (try gitLog("%ad", dir, rev: rev)))
        #expect(o[p + "DATE_COMMITTED"]?.stringValue == (try gitLog("%cd", dir, rev: rev)))
        #expect(o[p + "TIMESTAMP_AUTHORED"]?.intValue == Int64(try gitLog("%at", dir, rev: rev))! * 1000)
        #expect(o[p + "TIMESTAMP_COMMITTED"]?.intValue == Int64(try gitLog("%ct", dir, rev: rev))! * 1000)
        #expect(o[p + "COMMIT_MESSAGE"]?.stringValue == (try gitLog("%B", dir, rev: rev)))
    }

    @Test func looseObjectsBranchOriginAndTags() throws {
        let dir = try makeRepo()
        defer { TestSupport.removeTree(dir) }
        let o = F.collector().chalkTimeArtifact(path: dir.appendingPathComponent("tool.sh").path)
        try expectCommitKeys(o, dir)
        #expect(o["DATE_AUTHORED"]?.stringValue == "Wed Mar 13 13:51:33 2024 -0400")
        #expect(o["BRANCH"]?.stringValue == "feature/x")
        #expect(o["ORIGIN_URI"]?.stringValue == "https://example.com/org/repo.git")  // credentials removed
        #expect(o["COMMIT_SIGNED"]?.boolValue == false)
        #expect(o["VCS_DIR_WHEN_CHALKED"]?.stringValue == dir.path)
        // The annotated tag wins over the lightweight one (lightweight tags have time 0).
        #expect(o["TAG"]?.stringValue == "v1.2")
        let tagger = try F.sh("git for-each-ref --format='%(taggername) %(taggeremail) %(taggerdate:raw)' refs/tags/v1.2", in: dir)
        #expect(o["TAGGER"]?.stringValue == tagger.trimmingCharacters(in: .newlines))
        let tagDate = try F.sh("git for-each-ref --format='%(taggerdate)' refs/tags/v1.2", in: dir)
        #expect(o["DATE_TAGGED"]?.stringValue == tagDate.trimmingCharacters(in: .newlines))
        #expect(o["DATE_TAGGED"]?.stringValue == "Mon Apr 1 10:00:00 2024 -0700")
        #expect(o["TIMESTAMP_TAGGED"]?.intValue == 1_711_990_800_000)
        #expect(o["TAG_MESSAGE"]?.stringValue == "Release 1.2\n\nNotes here.")
        #expect(o["TAG_SIGNED"]?.boolValue == false)
        #expect(o["CHALK_RAND"]?.stringValue?.count == 16)
        // Nothing came from packs: the objects are loose.
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent(".git/packed-refs").path))
    }

    @Test func packedObjectsAndPackedRefsAfterGC() throws {
        let dir = try makeRepo()
        defer { TestSupport.removeTree(dir) }
        try F.sh("git gc -q --aggressive --prune=now", in: dir)
        let loose = try F.sh("find .git/objects -type f -path '*/objects/??/*' | wc -l", in: dir)
        #expect(loose.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent(".git/packed-refs").path))
        let o = F.collector().chalkTimeArtifact(path: dir.appendingPathComponent("a.txt").path)
        try expectCommitKeys(o, dir)
        #expect(o["BRANCH"]?.stringValue == "feature/x")
        #expect(o["TAG"]?.stringValue == "v1.2")
        #expect(o["TAG_MESSAGE"]?.stringValue == "Release 1.2\n\nNotes here.")
    }

    @Test func lightweightTagOnlyAndDetachedHead() throws {
        let dir = try makeRepo()
        defer { TestSupport.removeTree(dir) }
        try F.sh("git checkout -q --detach HEAD~1 && git tag old-light", in: dir)
        let o = F.collector().chalkTimeArtifact(path: dir.appendingPathComponent("a.txt").path)
        try expectCommitKeys(o, dir)
        #expect(o["BRANCH"] == nil)
        #expect(o["TAG"]?.stringValue == "old-light")
        #expect(o["TAGGER"] == nil && o["DATE_TAGGED"] == nil && o["TAG_MESSAGE"] == nil)
        #expect(o["TAG_SIGNED"]?.boolValue == false)
        // ORIGIN_URI falls back to remote "origin" when HEAD is not on a branch.
        #expect(o["ORIGIN_URI"]?.stringValue == "https://example.com/org/repo.git")
    }

    @Test func linkedWorktreeUsesCommonDir() throws {
        let dir = try makeRepo()
        let wt = try F.tempDir("git-wt")
        defer { TestSupport.removeTree(dir); TestSupport.removeTree(wt) }
        try F.sh("git gc -q && git worktree add -q -b wt-branch '\(wt.path)/tree' HEAD~1", in: dir)
        let tree = wt.appendingPathComponent("tree")
        let o = F.collector().chalkTimeArtifact(path: tree.appendingPathComponent("a.txt").path)
        try expectCommitKeys(o, tree)
        #expect(o["BRANCH"]?.stringValue == "wt-branch")
        #expect(o["VCS_DIR_WHEN_CHALKED"]?.stringValue == tree.path)
        #expect(o["ORIGIN_URI"]?.stringValue == "https://example.com/org/repo.git")
        // The main checkout is still read as its own repository.
        let main = F.collector().chalkTimeArtifact(path: dir.appendingPathComponent("a.txt").path)
        #expect(main["BRANCH"]?.stringValue == "feature/x")
    }

    @Test func originRules() throws {
        let dir = try F.tempDir("git-origin")
        defer { TestSupport.removeTree(dir) }
        try F.sh("git init -q -b main . && touch f && git add f && git commit -q -m init", in: dir)
        var o = F.collector().chalkTimeArtifact(path: dir.appendingPathComponent("f").path)
        #expect(o["ORIGIN_URI"]?.stringValue == "local")
        try F.sh("git remote add zeta git@github.com:o/zeta.git && git remote add alpha git@github.com:o/alpha.git", in: dir)
        o = F.collector().chalkTimeArtifact(path: dir.appendingPathComponent("f").path)
        #expect(o["ORIGIN_URI"]?.stringValue == "git@github.com:o/zeta.git")  // first remote in the file
        try F.sh("git remote add origin ssh://git@host/o/r.git", in: dir)
        o = F.collector().chalkTimeArtifact(path: dir.appendingPathComponent("f").path)
        #expect(o["ORIGIN_URI"]?.stringValue == "ssh://git@host/o/r.git")
        try F.sh("git config branch.main.remote alpha", in: dir)
        o = F.collector().chalkTimeArtifact(path: dir.appendingPathComponent("f").path)
        #expect(o["ORIGIN_URI"]?.stringValue == "git@github.com:o/alpha.git")  // the branch's remote
    }

    @Test func signedCommitAndSignedTag() throws {
        let dir = try F.tempDir("git-signed")
        defer { TestSupport.removeTree(dir) }
        // Objects carrying signature blocks, written with git's plumbing (git checks their
        // format, not the signatures).
        try F.sh("""
            git init -q -b main . && touch f && git add f && git commit -q -m init
            tree=$(git rev-parse HEAD^{tree}); parent=$(git rev-parse HEAD)
            c=$(printf 'tree %s\\nparent %s\\nauthor A U <a@x> 1710352293 -0400\\ncommitter C U <c@x> 1710352293 -0400\\ngpgsig -----BEGIN PGP SIGNATURE-----\\n \\n iQEzBAABCAAdFiEE\\n -----END PGP SIGNATURE-----\\n\\nsigned commit\\n' "$tree" "$parent" | git hash-object -t commit -w --stdin)
            git update-ref refs/heads/main "$c"
            t=$(printf 'object %s\\ntype commit\\ntag v9\\ntagger T G <t@x> 1710352300 +0000\\n\\nsigned tag\\n-----BEGIN PGP SIGNATURE-----\\n\\niQEzBAABCAAdFiEE\\n-----END PGP SIGNATURE-----\\n' "$c" | git mktag)
            git update-ref refs/tags/v9 "$t"
            """, in: dir)
        let o = F.collector().chalkTimeArtifact(path: dir.appendingPathComponent("f").path)
        try expectCommitKeys(o, dir)
        #expect(o["COMMIT_SIGNED"]?.boolValue == true)
        #expect(o["COMMIT_MESSAGE"]?.stringValue == "signed commit")
        #expect(o["TAG"]?.stringValue == "v9")
        #expect(o["TAG_SIGNED"]?.boolValue == true)
        #expect(o["TAG_MESSAGE"]?.stringValue == "signed tag")
        #expect(o["TAGGER"]?.stringValue == "T G <t@x> 1710352300 +0000")
        #expect(o["DATE_TAGGED"]?.stringValue == "Wed Mar 13 17:51:40 2024 +0000")
    }

    /// Many commits of a growing file, repacked with deltas: every commit, tree and tag object in
    /// the pack reads back byte-identical to `git cat-file`, for OFS_DELTA and REF_DELTA packs.
    @Test(arguments: [true, false]) func deltifiedPackMatchesCatFile(offsetDeltas: Bool) throws {
        let dir = try F.tempDir("git-delta")
        defer { TestSupport.removeTree(dir) }
        try F.sh("""
            git init -q -b main .
            for i in $(seq 1 40); do
              seq 1 $((i * 50)) > data.txt; echo "line $i" >> notes.txt
              git add . && git commit -q -m "Commit number $i with a fairly long and repetitive message body" \
                -m "Details for commit $i: the same words again and again, again and again."
              if [ $((i % 10)) = 0 ]; then git tag -a "t$i" -m "tag $i"; fi
            done
            git -c repack.useDeltaBaseOffset=\(offsetDeltas) -c pack.useDeltaBaseOffset=\(offsetDeltas) repack -q -a -d -f --depth=50 --window=250
            git prune-packed && git pack-refs --all
            """, in: dir)
        let verify = try F.sh("git verify-pack -v .git/objects/pack/*.idx", in: dir)
        var deltified: [String] = []
        var all: [String] = []
        var deltaOffsets: [Int] = []
        for line in verify.split(separator: "\n") {
            let cols = line.split(separator: " ", omittingEmptySubsequences: true)
            guard cols.count >= 5, cols[0].count == 40, ["commit", "tree", "tag", "blob"].contains(String(cols[1])) else { continue }
            all.append(String(cols[0]))
            if cols.count == 7 { deltified.append(String(cols[0])); deltaOffsets.append(Int(cols[4])!) }
        }
        #expect(deltified.count > 10, "the repack should have produced deltas")
        // The pack really uses the delta kind under test (OBJ_OFS_DELTA 6 / OBJ_REF_DELTA 7).
        let packPath = try F.sh("ls .git/objects/pack/*.pack", in: dir).trimmingCharacters(in: .whitespacesAndNewlines)
        let pack = try Data(contentsOf: dir.appendingPathComponent(packPath))
        for off in deltaOffsets { #expect(Int(pack[off] >> 4) & 7 == (offsetDeltas ? 6 : 7)) }
        let store = GitObjectStore(objectsDir: dir.appendingPathComponent(".git/objects").path)
        for oid in all {
            let type = try F.sh("git cat-file -t \(oid)", in: dir).trimmingCharacters(in: .newlines)
            let expected = try TestSupport.run("/usr/bin/git", ["cat-file", type, oid], environment: F.gitEnv, cwd: dir).stdoutData
            let obj = store.read(oid)
            #expect(obj?.kind.rawValue == type, "\(oid)")
            #expect(obj.map { Data($0.body) } == expected, "\(oid) \(type)")
        }
        // And the collector, detached at a deltified commit deep in the history.
        let deepCommit = try F.sh("git rev-parse HEAD~25", in: dir).trimmingCharacters(in: .newlines)
        try F.sh("git checkout -q --detach \(deepCommit)", in: dir)
        let o = F.collector().chalkTimeArtifact(path: dir.appendingPathComponent("data.txt").path)
        try expectCommitKeys(o, dir)
        try F.sh("git checkout -q --detach t30", in: dir)
        let tagged = F.collector().chalkTimeArtifact(path: dir.appendingPathComponent("data.txt").path)
        #expect(tagged["TAG"]?.stringValue == "t30")
        #expect(tagged["TAG_MESSAGE"]?.stringValue == "tag 30")
    }

    /// VCS_MISSING_FILES against `git ls-files --deleted`, for index versions 2, 3 and 4.
    @Test(arguments: [2, 3, 4]) func missingTrackedFiles(indexVersion: Int) throws {
        let dir = try makeRepo()
        defer { TestSupport.removeTree(dir) }
        try F.sh("""
            mkdir -p deep/er && for i in 1 2 3 4 5; do echo $i > deep/er/file-$i.txt; echo $i > deep/f$i; done
            git add . && git commit -q -m more
            git update-index --index-version \(indexVersion)
            \(indexVersion == 3 ? "git update-index --skip-worktree deep/f5 && rm deep/f5 && git update-index --intent-to-add a.txt" : ":")
            rm tool.sh deep/er/file-2.txt deep/f3 && ln -s nowhere deep/f4.link
            """, in: dir)
        let o = F.collector().chalkTimeArtifact(path: dir.appendingPathComponent("a.txt").path)
        let expected = try F.sh("git ls-files --deleted", in: dir).split(separator: "\n").map { ChalkValue.string(String($0)) }
        #expect(expected.count == 3)
        #expect(o["VCS_MISSING_FILES"] == .array(expected))
        let host = F.collector(searchPaths: [dir.path]).runTimeHost()
        #expect(host["_VCS_MISSING_FILES"] == .array(expected))
        // Not computed when no template wants the status keys.
        let narrow = Collector(context: CollectionContext(chalkVersion: "0", environment: [:], wantedKeys: ["COMMIT_ID"]))
        let n = narrow.chalkTimeArtifact(path: dir.appendingPathComponent("a.txt").path)
        #expect(n["COMMIT_ID"] != nil && n["VCS_MISSING_FILES"] == nil && n["VCS_UNTRACKED_FILES"] == nil)
    }

    /// VCS_UNTRACKED_FILES and VCS_MODIFIED_FILES against git's own status commands.
    @Test func untrackedAndModifiedFilesMatchGit() throws {
        let dir = try makeRepo()
        let home = try F.tempDir("git-home")
        defer { TestSupport.removeTree(dir); TestSupport.removeTree(home) }
        let env = ["HOME": home.path, "XDG_CONFIG_HOME": home.path]
        try F.sh("""
            printf '*.log\n!keep.log\n/build/\ndocs/**/*.tmp\ncache/\n# comment\n\nspace\\ \n' > .gitignore
            mkdir -p sub src/build build docs/a/b cache newdir/deep inner a
            printf '*.gen\n!special.gen\n' > sub/.gitignore
            echo secret.txt >> .git/info/exclude
            printf 'same\n' > same.txt && printf 'mode\n' > mode.sh && printf 'staged\n' > staged.txt && printf 'link\n' > link.txt
            printf 'touch\n' > touched.txt && printf 'gone\n' > gone.txt
            git add . && git commit -q -m 'status fixtures'
            touch a.log keep.log build/out.o src/build/x docs/a/b/c.tmp docs/x.tmp cache/c sub/y.gen sub/special.gen secret.txt
            touch newdir/deep/file a.txt2 a/b 'space ' zz.txt
            (cd inner && git init -q . && touch f)
            printf 'SAME\n' > same.txt
            chmod +x mode.sh
            printf 'changed\n' > staged.txt && git add staged.txt && printf 'staged\n' > staged.txt
            rm link.txt && ln -s elsewhere link.txt
            sleep 1 && touch touched.txt
            rm gone.txt
            """, in: dir, env: env)
        let o = F.collector().chalkTimeArtifact(path: dir.appendingPathComponent("a.txt").path)
        let untracked = try F.sh("git ls-files --others --exclude-standard --directory --no-empty-directory | sort", in: dir, env: env)
        let gitUntracked = try F.sh("git ls-files --others --exclude-standard", in: dir, env: env)
        // git lists nested repositories as "inner/"; everything else file by file.
        #expect(untracked.contains("inner/") && gitUntracked.contains("inner/"))
        let expectedUntracked = gitUntracked.split(separator: "\n").map { ChalkValue.string(String($0)) }
        #expect(o["VCS_UNTRACKED_FILES"] == .array(expectedUntracked))
        #expect(expectedUntracked.contains("keep.log") && expectedUntracked.contains("sub/special.gen")
                && expectedUntracked.contains("src/build/x") && !expectedUntracked.contains("secret.txt"))
        let modified = try F.sh("(git diff --name-only --diff-filter=MT; git diff --cached --name-only --diff-filter=MT) | sort -u",
                                in: dir, env: env).split(separator: "\n").map { ChalkValue.string(String($0)) }
        #expect(modified == ["link.txt", "mode.sh", "same.txt", "staged.txt"])
        #expect(o["VCS_MODIFIED_FILES"] == .array(modified))
        #expect(o["VCS_MISSING_FILES"] == .array(["gone.txt"]))
    }

    /// VCS_DIFF_STAT against `git diff --numstat HEAD`.
    @Test func diffStatMatchesGitNumstat() throws {
        let dir = try makeRepo()
        defer { TestSupport.removeTree(dir) }
        try F.sh("""
            seq 1 200 > long.txt && printf 'no newline' > nonl.txt && printf 'bin\\0ary' > blob.bin && printf 'x\\n' > mode.sh
            printf 'keep\\n' > cached.txt && printf 'del\\nme\\n' > del.txt
            git add . && git commit -q -m 'diff fixtures'
            seq 1 200 | sed -e 's/^50$/fifty/' -e '/^120$/d' -e 's/^199$/199\\nextra\\nlines/' > long.txt
            printf 'no newline\\n' > nonl.txt
            printf 'bin\\0ary2' > blob.bin
            chmod +x mode.sh
            git rm -q --cached cached.txt
            rm del.txt
            printf 'new\\nfile\\n' > added.txt && git add added.txt
            printf 'untracked\\n' > untracked.txt
            touch a.txt
            """, in: dir)
        let numstat = try F.sh("git diff --numstat HEAD", in: dir)
        var files = 0, ins = 0, del = 0
        for line in numstat.split(separator: "\n") {
            let cols = line.split(separator: "\t")
            files += 1; ins += Int(cols[0]) ?? 0; del += Int(cols[1]) ?? 0
        }
        #expect(files == 7)
        let o = F.collector().chalkTimeArtifact(path: dir.appendingPathComponent("a.txt").path)
        #expect(o["VCS_DIFF_STAT"] == .object(["files": .int(Int64(files)), "insertions": .int(Int64(ins)), "deletions": .int(Int64(del))]))
        // Myers gives the minimal counts on its own too.
        #expect(GitDiffStat.lineChanges(Array("a\nb\nc\nd\n".utf8), Array("a\nc\nd\ne\n".utf8)) == (1, 1))
        #expect(GitDiffStat.lineChanges(Array("".utf8), Array("x\ny\n".utf8)) == (2, 0))
    }

    @Test func emptyRepositoryAndNoRepositoryGiveNoGitKeys() throws {
        let dir = try F.tempDir("git-empty")
        defer { TestSupport.removeTree(dir) }
        try F.sh("git init -q . && touch f", in: dir)
        let o = F.collector().chalkTimeArtifact(path: dir.appendingPathComponent("f").path)
        #expect(o["COMMIT_ID"] == nil && o["ORIGIN_URI"] == nil && o["BRANCH"] == nil)
        #expect(o["CHALK_RAND"] != nil)
    }

    @Test func corruptObjectsDoNotCrash() throws {
        let dir = try makeRepo()
        defer { TestSupport.removeTree(dir) }
        // Truncate every loose object: the commit can't be read, the rest still works.
        try F.sh("for f in $(find .git/objects -type f -path '*/objects/??/*'); do chmod u+w $f; head -c 7 $f > $f.t && mv $f.t $f; done", in: dir)
        let o = F.collector().chalkTimeArtifact(path: dir.appendingPathComponent("a.txt").path)
        #expect(o["COMMIT_ID"]?.stringValue == (try gitLogRevParse(dir)))
        #expect(o["AUTHOR"] == nil)
        #expect(o["BRANCH"]?.stringValue == "feature/x")
    }

    @Test func hostileRepositoryDoesNotHang() throws {
        let dir = try makeRepo()
        defer { TestSupport.removeTree(dir) }
        // What git says before the repository is damaged (git itself blocks on the FIFO below).
        let before = F.collector().chalkTimeArtifact(path: dir.appendingPathComponent("a.txt").path)
        try expectCommitKeys(before, dir)
        // A FIFO where packed-refs belongs, a symlink loop under refs/tags, garbage pack files.
        try F.sh("""
            mkfifo .git/packed-refs && ln -s . .git/refs/tags/loop && ln -s .. .git/refs/tags/up
            mkdir -p .git/objects/pack && head -c 5000 /dev/urandom > .git/objects/pack/pack-bad.pack
            printf '\\377tOc\\0\\0\\0\\2' > .git/objects/pack/pack-bad.idx && head -c 2000 /dev/urandom >> .git/objects/pack/pack-bad.idx
            """, in: dir)
        let start = Date()
        let o = F.collector().chalkTimeArtifact(path: dir.appendingPathComponent("a.txt").path)
        #expect(Date().timeIntervalSince(start) < 10)
        for k in ["COMMIT_ID", "AUTHOR", "COMMITTER", "DATE_AUTHORED", "COMMIT_MESSAGE", "BRANCH", "ORIGIN_URI", "TAG"] {
            #expect(o[k] != nil && o[k] == before[k], "\(k)")
        }
    }

    func gitLogRevParse(_ dir: URL) throws -> String {
        try F.sh("git rev-parse HEAD", in: dir).trimmingCharacters(in: .newlines)
    }

    @Test func runTimeHostTwinsAndPathWithinRepo() throws {
        let dir = try makeRepo()
        defer { TestSupport.removeTree(dir) }
        let c = F.collector(searchPaths: [dir.appendingPathComponent("tool.sh").path])
        let host = c.runTimeHost()
        try expectCommitKeys(host, dir, prefix: "_")
        #expect(host["_BRANCH"]?.stringValue == "feature/x")
        #expect(host["_TAG"]?.stringValue == "v1.2")
        #expect(host["_VCS_DIR_WHEN_CHALKED"] == nil)
        let art = c.runTimeArtifact(path: dir.appendingPathComponent("tool.sh").path)
        #expect(art["_OP_ARTIFACT_PATH_WITHIN_VCTL"]?.stringValue == "tool.sh")
    }
}
