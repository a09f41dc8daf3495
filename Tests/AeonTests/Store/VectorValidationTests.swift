import Testing
@testable import Aeon

@Suite("vector validation")
struct VectorValidationTests {
    @Test("NaN and infinities are found at every position, past the sixteen-lane blocks too; extreme finite values pass")
    func nonFinite() throws {
        for length in 1...40 {
            // Finite extremes, subnormals and signed zeros are fine.
            let finite = (0..<length).map { i -> Float in
                [Float.greatestFiniteMagnitude, -Float.greatestFiniteMagnitude, .leastNonzeroMagnitude, -0.0, 1][i % 5]
            }
            #expect(VectorValidation.firstNonFinite(finite) == nil, "length \(length)")
            for position in 0..<length {
                for bad in [Float.nan, .infinity, -.infinity, Float(bitPattern: 0x7FC0_0001)] {
                    var vector = finite
                    vector[position] = bad
                    #expect(VectorValidation.firstNonFinite(vector) == position, "length \(length), position \(position), \(bad)")
                    // Another bad value later does not hide the first.
                    if position + 1 < length { vector[length - 1] = .nan }
                    #expect(VectorValidation.firstNonFinite(vector) == position)
                }
            }
        }
        let error = #expect(throws: AeonError.self) {
            _ = try VectorValidation.prepare(Array(repeating: 1, count: 20) + [.infinity], dimension: 21, metric: .l2, what: "v")
        }
        #expect(error?.code == .invalidVector && error?.message.contains("index 20") == true)
    }
}
