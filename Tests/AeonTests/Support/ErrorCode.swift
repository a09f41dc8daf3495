import Testing
@testable import Aeon

/// The code of the `AeonError` that `body` throws, or `nil` when it throws none; any other error
/// is recorded as a test issue (the engine throws only `AeonError`).
func errorCode(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> AeonError.Code? {
    do {
        try body()
        return nil
    } catch let error as AeonError {
        return error.code
    } catch {
        Issue.record("not an AeonError: \(error)", sourceLocation: sourceLocation)
        return nil
    }
}
