import Foundation
import Synchronization

/// Issues API tokens and checks them. Only the SHA-256 of a token is stored. Positive answers are
/// cached for a short while (tokens aren't revoked), misses always ask the database, so a token
/// created by `chalk-server token create` works at once on instances already running.
public final class TokenAuthority: Sendable {
    private let store: any ReportStore
    private let cache = Mutex<[String: (scope: TokenScope, until: Int64)]>([:])
    private static let cacheMicros: Int64 = 60_000_000

    public init(store: any ReportStore) { self.store = store }

    /// A new random token: `chalk_` and 64 hex digits (256 bits from the system's CSPRNG).
    public static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return "chalk_" + hexString(bytes)
    }

    /// The stored form of a token.
    public static func hash(_ token: String) -> String { sha256Hex(Array(token.utf8)) }

    /// Creates a token with `scope`, stores its hash, and returns the token itself.
    public func create(scope: TokenScope, name: String?) async throws -> String {
        let token = Self.newToken()
        try await store.addToken(hash: Self.hash(token), scope: scope, name: name, created: Timestamp.now())
        return token
    }

    /// The scope of `token`, or nil when it is unknown.
    public func scope(of token: String) async throws -> TokenScope? {
        guard !token.isEmpty, token.utf8.count < 512 else { return nil }
        let hash = Self.hash(token)
        let now = Timestamp.now()
        if let hit = cache.withLock({ $0[hash] }), hit.until > now { return hit.scope }
        guard let scope = try await store.tokenScope(hash: hash) else { return nil }
        cache.withLock { cache in
            if cache.count > 10_000 { cache.removeAll() }
            cache[hash] = (scope, now + Self.cacheMicros)
        }
        return scope
    }
}
