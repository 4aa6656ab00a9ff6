#if canImport(Glibc)
import Glibc
#endif

/// What to do with a symlink to a file during a chalking operation (`--chalk-symlink-behavior`).
public enum ChalkingSymlinkBehavior: String, Sendable, CaseIterable {
    /// Leave the link alone, with a warning (default).
    case skip
    /// Follow the link and modify its target.
    case clobber
    /// Process the link path: the write replaces the link with a regular file.
    case copy
}

/// What to do with a symlink to a file during extract/delete (`--scan-symlink-behavior`).
public enum ScanSymlinkBehavior: String, Sendable, CaseIterable {
    /// Scan and report the resolved target (default).
    case follow
    /// Skip the link.
    case ignore
}

/// How to walk the search paths (spec/mark-format.md §6).
public struct DiscoveryOptions: Sendable {
    public var recursive = true
    /// Chalking (insert) uses `chalkingSymlinks`; other operations `scanSymlinks`.
    public var chalking = false
    public var chalkingSymlinks = ChalkingSymlinkBehavior.skip
    public var scanSymlinks = ScanSymlinkBehavior.follow
    public var ignore: [IgnorePattern] = []
    /// Absolute paths never returned unless named explicitly (the running chalk binary).
    public var excluded: Set<String> = []
    public init() {}
}

/// One file to hand to the codecs.
public struct DiscoveredFile: Sendable, Equatable {
    /// The absolute path the codecs read and write.
    public var path: String
}

/// The artifact walker: breadth-first over the search paths in readdir order, directory
/// symlinks never followed, (dev, inode) loops broken, only regular files and file symlinks,
/// `/proc/ /dev/ /boot/ /sys/` and the ignore patterns skipped, each file once.
public enum ArtifactDiscovery {
    /// Files under `roots` to process, plus problems worth telling the user (missing paths, ...).
    public static func discover(_ roots: [String], options: DiscoveryOptions) -> (files: [DiscoveredFile], errors: [String], warnings: [String]) {
        var files: [DiscoveredFile] = []
        var errors: [String] = []
        var warnings: [String] = []
        var seenFiles = Set<String>()
        var seenDirs = Set<[UInt64]>()
        var queue: [(path: String, depth: Int)] = []
        let cwd = currentDirectory()

        func consider(_ path: String, explicit: Bool) {
            var st = stat()
            guard lstat(path, &st) == 0 else {
                if explicit { errors.append("\(path): no such file or directory") }
                return
            }
            var target = path
            if (st.st_mode & S_IFMT) == S_IFLNK {
                var tst = stat()
                guard stat(path, &tst) == 0 else {
                    warnings.append("\(path): dangling symlink skipped"); return
                }
                if (tst.st_mode & S_IFMT) == S_IFDIR {
                    // Directory symlinks are never followed, except a root named explicitly.
                    if explicit { enqueueDir(path, tst) }
                    return
                }
                guard (tst.st_mode & S_IFMT) == S_IFREG else { return }
                if options.chalking {
                    switch options.chalkingSymlinks {
                    case .skip: warnings.append("\(path): symlink skipped (use --chalk-symlink-behavior=clobber or copy)"); return
                    case .clobber: target = realPath(path) ?? path
                    case .copy: target = path
                    }
                } else {
                    switch options.scanSymlinks {
                    case .ignore: return
                    case .follow: target = realPath(path) ?? path
                    }
                }
            } else if (st.st_mode & S_IFMT) == S_IFDIR {
                enqueueDir(path, st)
                return
            } else if (st.st_mode & S_IFMT) != S_IFREG {
                return  // sockets, FIFOs, devices
            }
            if !explicit {
                if ["/proc/", "/dev/", "/boot/", "/sys/"].contains(where: { target.hasPrefix($0) }) { return }
                if options.excluded.contains(target) { return }
                if options.ignore.contains(where: { $0.matches(target) }) { return }
            }
            if seenFiles.insert(target).inserted { files.append(DiscoveredFile(path: target)) }
        }

        func enqueueDir(_ path: String, _ st: stat) {
            if seenDirs.insert([UInt64(st.st_dev), UInt64(st.st_ino)]).inserted { queue.append((path, 0)) }
        }

        for root in roots {
            consider(absolutePath(root, cwd: cwd), explicit: true)
            var i = 0
            while i < queue.count {
                let (dir, depth) = queue[i]
                i += 1
                if depth > 0 && !options.recursive { continue }
                for name in listDirectory(dir) {
                    let child = dir == "/" ? "/" + name : dir + "/" + name
                    let before = queue.count
                    consider(child, explicit: false)
                    for k in before..<queue.count { queue[k].depth = depth + 1 }
                }
            }
            queue.removeAll()
        }
        return (files, errors, warnings)
    }

    /// Entry names of a directory in readdir order (without `.` and `..`).
    static func listDirectory(_ path: String) -> [String] {
        guard let d = opendir(path) else { return [] }
        defer { closedir(d) }
        var names: [String] = []
        while let ent = readdir(d) {
            let name = withUnsafePointer(to: &ent.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// The process's working directory.
    public static func currentDirectory() -> String {
        var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buf, buf.count) != nil else { return "/" }
        return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `path` made absolute against `cwd`, with `.`, `..` and repeated slashes removed lexically.
    public static func absolutePath(_ path: String, cwd: String) -> String {
        let full = path.hasPrefix("/") ? path : cwd + "/" + path
        var parts: [Substring] = []
        for c in full.split(separator: "/") {
            if c == "." { continue }
            if c == ".." { _ = parts.popLast(); continue }
            parts.append(c)
        }
        return "/" + parts.joined(separator: "/")
    }

    /// realpath(3) of `path`, or nil.
    public static func realPath(_ path: String) -> String? {
        guard let r = realpath(path, nil) else { return nil }
        defer { free(r) }
        return String(cString: r)
    }
}
