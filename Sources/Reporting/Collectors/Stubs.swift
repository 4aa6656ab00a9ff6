import Marking
public struct CloudSettings: Sendable { public init(environment: [String: String]) {} }
enum Kubernetes { static func collect(context: CollectionContext) -> ChalkObject { [:] } }
enum AWSServices {
  static func lambda(environment: [String: String]) -> ChalkObject { [:] }
  static func ecs(context: CollectionContext) -> ChalkObject { [:] }
}
enum CloudMetadata { static func collect(context: CollectionContext) -> ChalkObject { [:] } }
