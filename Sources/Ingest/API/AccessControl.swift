import HTTPTypes
import Hummingbird
import HummingbirdCore
import NIOCore
import Logging

/// Bearer-token checks for the API and cookie checks for the page.
struct AccessControl: Sendable {
    let tokens: TokenAuthority
    let logger: Logger

    /// nil when the request's bearer token has `scope`; otherwise the 401/403/503 response.
    /// A write token may only post; a read token may only read.
    func require(_ scope: TokenScope, _ request: Request) async -> Response? {
        guard let token = HTTP.bearer(request) else {
            return HTTP.error(.unauthorized, "an Authorization: Bearer token is required",
                              headers: [.wwwAuthenticate: "Bearer"])
        }
        let found: TokenScope?
        do {
            found = try await tokens.scope(of: token)
        } catch {
            logger.error("token lookup failed: \(error)")
            return HTTP.error(.serviceUnavailable, "the token could not be checked; try again")
        }
        guard let found else {
            return HTTP.error(.unauthorized, "unknown token", headers: [.wwwAuthenticate: "Bearer error=\"invalid_token\""])
        }
        guard found == scope else {
            return HTTP.error(.forbidden, "this is a \(found.rawValue) token; this endpoint needs a \(scope.rawValue) token")
        }
        return nil
    }

    /// True when `token` is a read token (the page accepts only those).
    func isReadToken(_ token: String?) async -> Bool {
        guard let token else { return false }
        return (try? await tokens.scope(of: token)) == .read
    }
}
