/// How similar two vectors are.
///
/// Every search result carries a score where **higher is better**:
/// - ``cosine``: the cosine similarity, in [-1, 1]. Vectors are normalised when stored (a zero
///   vector is rejected), so the score is the dot product of unit vectors.
/// - ``innerProduct``: the dot product of the vectors as given.
/// - ``l2``: the *negated* squared Euclidean distance, so the nearest vector scores highest
///   (`-score` is the squared distance).
public enum Metric: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// Cosine similarity.
    case cosine = 0
    /// Inner (dot) product.
    case innerProduct = 1
    /// Negated squared Euclidean distance.
    case l2 = 2

    /// The name used by aeonctl and in messages: "cosine", "ip", "l2".
    public var description: String {
        switch self {
        case .cosine: "cosine"
        case .innerProduct: "ip"
        case .l2: "l2"
        }
    }

    /// Parses "cosine", "ip" (or "inner-product", "dot") and "l2".
    public init?(name: String) {
        switch name.lowercased() {
        case "cosine", "cos": self = .cosine
        case "ip", "inner-product", "innerproduct", "dot": self = .innerProduct
        case "l2", "euclidean": self = .l2
        default: return nil
        }
    }
}
