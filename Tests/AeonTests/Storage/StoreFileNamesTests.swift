import Testing

@testable import Aeon

@Suite("store file names")
struct StoreFileNamesTests {
    static let numbers: [UInt64] = [0, 1, 9, 10, 15, 16, 255, 0xdead_beef, 1 << 62, UInt64.max]

    @Test("every name parses back to the number it was made from, and only by its own parser")
    func roundTrip() {
        for n in Self.numbers {
            #expect(StoreFileNames.generation(ofIndexFile: StoreFileNames.postings(n)) == n)
            #expect(StoreFileNames.generation(ofIndexFile: StoreFileNames.records(n)) == n)
            #expect(StoreFileNames.sequence(ofLogSegment: StoreFileNames.logSegment(n)) == n)
            #expect(StoreFileNames.generation(ofBlobSegment: StoreFileNames.blobSegment(n)) == n)
            #expect(StoreFileNames.sequence(ofLogSegment: StoreFileNames.blobSegment(n)) == nil)
            #expect(StoreFileNames.generation(ofBlobSegment: StoreFileNames.logSegment(n)) == nil)
            #expect(StoreFileNames.generation(ofIndexFile: StoreFileNames.logSegment(n)) == nil)
            #expect(StoreFileNames.isIndexFile(StoreFileNames.postings(n)) && !StoreFileNames.isIndexFile(StoreFileNames.blobSegment(n)))
        }
        #expect(StoreFileNames.postings(0x2a) == "atlas-000000000000002a.postings")
        #expect(StoreFileNames.logSegment(1) == "wal-0000000000000001.log")
        #expect(StoreFileNames.blobSegment(3) == "blobs-0000000000000003.seg")
    }

    @Test("names sort in numeric order")
    func order() {
        let names = Self.numbers.map(StoreFileNames.logSegment)
        #expect(names.sorted() == names)
    }

    @Test("a name that is almost right is no name: sign, upper case, length, suffix, temporary, set aside")
    func nearMisses() {
        for name in [
            "wal-+000000000000001.log", "wal-000000000000000A.log", "wal-00000000000000001.log", "wal-000000000000001.log",
            "wal-0000000000000001.log.tmp", "wal-0000000000000001.LOG", "wal-000000000000000g.log", "wal- 000000000000001.log",
        ] {
            #expect(StoreFileNames.sequence(ofLogSegment: name) == nil, "\(name)")
        }
        for name in ["atlas-+00000000000002a.postings", "atlas-000000000000002A.records", "atlas-000000000000002a.record", "atlas-2a.postings"] {
            #expect(StoreFileNames.generation(ofIndexFile: name) == nil, "\(name)")
        }
        for name in ["blobs-0000000000000003.seg" + StoreFileNames.setAsideSuffix, "blobs--000000000000003.seg", "blobs-0000000000000003.SEG"] {
            #expect(StoreFileNames.generation(ofBlobSegment: name) == nil, "\(name)")
        }
    }
}
