import Sluice

/// The field stages on arbitrary bytes: the first line is a `where` expression, the rest are
/// log lines. Invariants: the expression parses exactly when `diagnose` finds no fault; `where`
/// keeps only input lines, in order; `fields` and `count --by` never yield more lines than
/// came in; nothing crashes or hangs (malformed lines are skipped, deep nesting is refused).
enum FieldsTarget {
    static func run(_ input: [UInt8]) {
        let cut = input.firstIndex(of: 0x0A) ?? input.count
        let text = String(decoding: input[..<cut], as: UTF8.self)
        let body = Array(input[Swift.min(input.count, cut + 1)...])
        let lines = body.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
        let inputLines = body.last == 0x0A || body.isEmpty ? lines.count - 1 : lines.count
        let diagnosis = FieldExpression.diagnose(text)
        let expression = try? FieldExpression(text)
        check((diagnosis == nil) == (expression != nil), "diagnose and init disagree on '\(text)'")
        let names = ["level", "a.b", "msg", "x"].compactMap { FieldPath($0) }
        blocking {
            let source = MemoryChunks(bytes: body, size: 61).lineBatches(keepCarriageReturn: true)
            if let expression {
                var kept = 0
                var last = 0
                do {
                    for try await batch in source.whereFields(expression) {
                        for line in batch {
                            check(line.number > last && line.number <= inputLines, "where: line \(line.number) out of order")
                            check(line.bytes == lines[line.number - 1], "where: line \(line.number) is not the input's")
                            last = line.number
                            kept += 1
                        }
                    }
                } catch {}  // a regex that gives up ends the stream with an error
                check(kept <= inputLines, "where kept more lines than came in")
            }
            var projected = 0
            for format in [FieldsFormat.logfmt, .json] {
                projected = 0
                do { for try await batch in source.fields(names, format: format) { projected += batch.lineCount } } catch {}
                check(projected <= inputLines, "fields: more lines than came in")
            }
            var counted = 0
            do {
                for try await bytes in source.countBy(names.map { CountKey.field($0) }) {
                    counted += bytes.filter { $0 == 0x0A }.count
                }
            } catch {}
            check(counted <= inputLines, "count --by: more keys than lines")
        }
    }
}
