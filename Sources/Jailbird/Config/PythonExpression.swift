#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A number as Python's arithmetic sees it: an integer or a float (`True`/`False` are 1/0).
/// Integers that would overflow 64 bits continue as floats (Python's are unbounded; the
/// difference only shows beyond 2^63 seconds).
enum PythonNumber: Equatable, Sendable {
    case int(Int64)
    case float(Double)

    var double: Double {
        switch self {
        case .int(let value): return Double(value)
        case .float(let value): return value
        }
    }

    var isTrue: Bool { double != 0 }
}

/// Why an expression could not be read or evaluated.
struct ExpressionError: Error, Equatable, Sendable {
    var message: String
}

/// The arithmetic subset of Python that fail2ban `eval`s in durations (`str2seconds`),
/// `bantime.factor` and `bantime.formula`: numbers, `+ - * / // % **`, `<< >> & | ^ ~`,
/// comparisons (chained), `and`/`or`/`not`, `a if c else b`, parentheses, the names given by the
/// caller (such as `ban.Time`), `math.exp/log/sqrt/pow/floor/ceil`, `math.e/pi` and
/// `min/max/int/float/round/abs`. Anything else is rejected when parsed, so evaluating can only
/// fail on arithmetic (division by zero, a math domain error).
indirect enum PythonExpression: Equatable, Sendable {
    case number(PythonNumber)
    case name(String)
    case unary(String, PythonExpression)
    case binary(String, PythonExpression, PythonExpression)
    case comparison(PythonExpression, [(String, PythonExpression)])
    case logical(String, PythonExpression, PythonExpression)
    case conditional(PythonExpression, then: PythonExpression, otherwise: PythonExpression)
    case call(String, [PythonExpression])

    static func == (lhs: PythonExpression, rhs: PythonExpression) -> Bool {
        String(describing: lhs) == String(describing: rhs)
    }

    static let functions: Set<String> = [
        "math.exp", "math.log", "math.sqrt", "math.pow", "math.floor", "math.ceil",
        "min", "max", "int", "float", "round", "abs",
    ]
    static let constants: [String: PythonNumber] = [
        "math.e": .float(M_E), "math.pi": .float(Double.pi), "True": .int(1), "False": .int(0),
    ]

    /// Parses `text`; `names` are the variables the expression may use.
    init(parsing text: String, names: Set<String>) throws(ExpressionError) {
        var parser = Parser(tokens: try Parser.tokenize(text), names: names)
        self = try parser.parseTest()
        guard parser.position == parser.tokens.count else {
            throw ExpressionError(message: "unexpected '\(parser.tokens[parser.position].text)'")
        }
    }

    /// Evaluates with Python's rules for int and float arithmetic.
    func evaluate(_ variables: [String: PythonNumber]) throws(ExpressionError) -> PythonNumber {
        switch self {
        case .number(let value):
            return value
        case .name(let name):
            if let value = variables[name] ?? PythonExpression.constants[name] { return value }
            throw ExpressionError(message: "name '\(name)' is not defined")
        case .unary(let op, let operand):
            let value = try operand.evaluate(variables)
            switch (op, value) {
            case ("not", _): return .int(value.isTrue ? 0 : 1)
            case ("+", _): return value
            case ("-", .int(let v)): return v == .min ? .float(-Double(v)) : .int(-v)
            case ("-", .float(let v)): return .float(-v)
            case ("~", .int(let v)): return .int(~v)
            default: throw ExpressionError(message: "bad operand type for unary \(op): 'float'")
            }
        case .logical(let op, let left, let right):
            let value = try left.evaluate(variables)
            if op == "and" { return value.isTrue ? try right.evaluate(variables) : value }
            return value.isTrue ? value : try right.evaluate(variables)
        case .conditional(let condition, let then, let otherwise):
            return try condition.evaluate(variables).isTrue
                ? then.evaluate(variables) : otherwise.evaluate(variables)
        case .comparison(let first, let rest):
            var left = try first.evaluate(variables)
            for (op, expression) in rest {
                let right = try expression.evaluate(variables)
                if !PythonExpression.compare(op, left, right) { return .int(0) }
                left = right
            }
            return .int(1)
        case .binary(let op, let left, let right):
            return try PythonExpression.arithmetic(op, left.evaluate(variables), right.evaluate(variables))
        case .call(let function, let arguments):
            var values: [PythonNumber] = []
            for argument in arguments { values.append(try argument.evaluate(variables)) }
            return try PythonExpression.call(function, values)
        }
    }

    /// Integers compare exactly (as Python's do), everything else as floats.
    private static func compare(_ op: String, _ left: PythonNumber, _ right: PythonNumber) -> Bool {
        if case .int(let a) = left, case .int(let b) = right { return compare(op, a, b) }
        return compare(op, left.double, right.double)
    }

    /// `a op b` for one of Python's comparison operators.
    private static func compare<Value: Comparable>(_ op: String, _ a: Value, _ b: Value) -> Bool {
        switch op {
        case "<": return a < b
        case "<=": return a <= b
        case ">": return a > b
        case ">=": return a >= b
        case "==": return a == b
        default: return a != b
        }
    }

    private static func arithmetic(_ op: String, _ left: PythonNumber, _ right: PythonNumber) throws(ExpressionError)
        -> PythonNumber
    {
        if case .int(let a) = left, case .int(let b) = right {
            switch op {
            case "+":
                let (sum, overflow) = a.addingReportingOverflow(b)
                return overflow ? .float(Double(a) + Double(b)) : .int(sum)
            case "-":
                let (difference, overflow) = a.subtractingReportingOverflow(b)
                return overflow ? .float(Double(a) - Double(b)) : .int(difference)
            case "*":
                let (product, overflow) = a.multipliedReportingOverflow(by: b)
                return overflow ? .float(Double(a) * Double(b)) : .int(product)
            case "/":
                guard b != 0 else { throw ExpressionError(message: "division by zero") }
                return .float(Double(a) / Double(b))
            case "//", "%":
                guard b != 0 else { throw ExpressionError(message: "integer division or modulo by zero") }
                if a == .min && b == -1 { return op == "//" ? .float(-Double(a)) : .int(0) }
                var quotient = a / b
                var remainder = a % b
                // Python floors: the remainder takes the divisor's sign.
                if remainder != 0 && (remainder < 0) != (b < 0) {
                    quotient -= 1
                    remainder += b
                }
                return .int(op == "//" ? quotient : remainder)
            case "**":
                if b < 0 {
                    guard a != 0 else { throw ExpressionError(message: "0 cannot be raised to a negative power") }
                    return .float(pow(Double(a), Double(b)))
                }
                var result: Int64 = 1
                var overflowed = false
                var exponent = b
                var base = a
                while exponent > 0 && !overflowed {
                    if exponent & 1 == 1 {
                        let (product, overflow) = result.multipliedReportingOverflow(by: base)
                        result = product
                        overflowed = overflow
                    }
                    exponent >>= 1
                    if exponent > 0 {
                        let (square, overflow) = base.multipliedReportingOverflow(by: base)
                        base = square
                        overflowed = overflowed || overflow
                    }
                }
                return overflowed ? .float(pow(Double(a), Double(b))) : .int(result)
            case "<<":
                guard b >= 0 else { throw ExpressionError(message: "negative shift count") }
                if b < 63, a.magnitude < (UInt64(1) << (63 - UInt64(b))) { return .int(a << b) }
                return .float(Double(a) * pow(2, Double(b)))
            case ">>":
                guard b >= 0 else { throw ExpressionError(message: "negative shift count") }
                return .int(b >= 64 ? (a < 0 ? -1 : 0) : a >> b)
            case "&": return .int(a & b)
            case "|": return .int(a | b)
            case "^": return .int(a ^ b)
            default: break
            }
        }
        let a = left.double
        let b = right.double
        switch op {
        case "+": return .float(a + b)
        case "-": return .float(a - b)
        case "*": return .float(a * b)
        case "/":
            guard b != 0 else { throw ExpressionError(message: "float division by zero") }
            return .float(a / b)
        case "//", "%":
            guard b != 0 else { throw ExpressionError(message: "float modulo by zero") }
            let remainder = fmod(a, b)
            let adjusted = remainder != 0 && (remainder < 0) != (b < 0) ? remainder + b : remainder
            return .float(op == "%" ? adjusted : ((a - adjusted) / b).rounded())
        case "**":
            if a == 0 && b < 0 { throw ExpressionError(message: "0.0 cannot be raised to a negative power") }
            if a < 0 && b != b.rounded() { throw ExpressionError(message: "negative number to a fractional power") }
            return try finite(pow(a, b), "**")
        default:
            throw ExpressionError(message: "unsupported operand type(s) for \(op): 'float'")
        }
    }

    private static func finite(_ value: Double, _ what: String) throws(ExpressionError) -> PythonNumber {
        guard value.isFinite else { throw ExpressionError(message: "\(what): result too large") }
        return .float(value)
    }

    private static func call(_ function: String, _ arguments: [PythonNumber]) throws(ExpressionError) -> PythonNumber {
        func arity(_ range: ClosedRange<Int>) throws(ExpressionError) {
            guard range.contains(arguments.count) else {
                throw ExpressionError(message: "\(function)() takes \(range) argument(s), \(arguments.count) given")
            }
        }
        switch function {
        case "min", "max":
            guard arguments.count >= 2 else {
                throw ExpressionError(message: "\(function)() needs at least two numbers here")
            }
            var best = arguments[0]
            for value in arguments.dropFirst() {
                if compare(function == "min" ? "<" : ">", value, best) { best = value }
            }
            return best
        case "abs":
            try arity(1...1)
            switch arguments[0] {
            case .int(let v): return v == .min ? .float(-Double(v)) : .int(Swift.abs(v))
            case .float(let v): return .float(Swift.abs(v))
            }
        case "int":
            try arity(1...1)
            return try integer(arguments[0].double.rounded(.towardZero), "int")
        case "float":
            try arity(1...1)
            return .float(arguments[0].double)
        case "round":
            try arity(1...2)
            if arguments.count == 1 {
                if case .int = arguments[0] { return arguments[0] }
                return try integer(arguments[0].double.rounded(.toNearestOrEven), "round")
            }
            guard case .int(let digits) = arguments[1] else {
                throw ExpressionError(message: "round(): the number of digits must be an integer")
            }
            let scale = pow(10, Double(digits))
            let rounded = (arguments[0].double * scale).rounded(.toNearestOrEven) / scale
            if case .int = arguments[0], digits >= 0 { return arguments[0] }
            return .float(rounded)
        case "math.floor", "math.ceil":
            try arity(1...1)
            let value = arguments[0].double
            return try integer(function == "math.floor" ? value.rounded(.down) : value.rounded(.up), function)
        case "math.exp":
            try arity(1...1)
            return try finite(exp(arguments[0].double), "math.exp")
        case "math.sqrt":
            try arity(1...1)
            guard arguments[0].double >= 0 else { throw ExpressionError(message: "math.sqrt: math domain error") }
            return .float(sqrt(arguments[0].double))
        case "math.pow":
            try arity(2...2)
            return try finite(pow(arguments[0].double, arguments[1].double), "math.pow")
        case "math.log":
            try arity(1...2)
            guard arguments[0].double > 0 else { throw ExpressionError(message: "math.log: math domain error") }
            if arguments.count == 1 { return .float(log(arguments[0].double)) }
            let base = log(arguments[1].double)
            guard arguments[1].double > 0, base != 0 else {
                throw ExpressionError(message: "math.log: math domain error")
            }
            return .float(log(arguments[0].double) / base)
        default:
            throw ExpressionError(message: "'\(function)' is not available")
        }
    }

    private static func integer(_ value: Double, _ function: String) throws(ExpressionError) -> PythonNumber {
        guard value.isFinite else {
            throw ExpressionError(message: "\(function)(): cannot convert \(value) to integer")
        }
        guard let exact = Int64(exactly: value) else { return .float(value) }
        return .int(exact)
    }

    // MARK: Parsing

    struct Token: Equatable {
        enum Kind { case number, name, symbol }
        var kind: Kind
        var text: String
        var value: PythonNumber = .int(0)
    }

    struct Parser {
        var tokens: [Token]
        var names: Set<String>
        var position = 0

        static func tokenize(_ text: String) throws(ExpressionError) -> [Token] {
            let bytes = Array(text.utf8)
            var tokens: [Token] = []
            var index = 0
            var depth = 0
            let symbols = [
                "**", "//", "<<", ">>", "<=", ">=", "==", "!=", "+", "-", "*", "/", "%", "(", ")",
                ",", ".", "<", ">", "&", "|", "^", "~",
            ]
            func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
            func isNameByte(_ byte: UInt8) -> Bool {
                isDigit(byte) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || byte == 0x5F
            }
            while index < bytes.count {
                let byte = bytes[index]
                if byte == 0x20 || byte == 0x09 || byte == 0x0C {
                    index += 1
                } else if byte == 0x0A || byte == 0x0D {
                    // Python's eval accepts a line break only inside parentheses.
                    guard depth > 0 else { throw ExpressionError(message: "line break inside the expression") }
                    index += 1
                } else if isDigit(byte) || (byte == 0x2E && index + 1 < bytes.count && isDigit(bytes[index + 1])) {
                    let start = index
                    var isFloat = false
                    while index < bytes.count && isDigit(bytes[index]) { index += 1 }
                    if index < bytes.count && bytes[index] == 0x2E {
                        isFloat = true
                        index += 1
                        while index < bytes.count && isDigit(bytes[index]) { index += 1 }
                    }
                    if index < bytes.count && (bytes[index] | 0x20) == 0x65 {
                        var look = index + 1
                        if look < bytes.count && (bytes[look] == 0x2B || bytes[look] == 0x2D) { look += 1 }
                        if look < bytes.count && isDigit(bytes[look]) {
                            isFloat = true
                            index = look
                            while index < bytes.count && isDigit(bytes[index]) { index += 1 }
                        }
                    }
                    if index < bytes.count && isNameByte(bytes[index]) {
                        throw ExpressionError(
                            message: "invalid number '\(String(decoding: bytes[start...index], as: UTF8.self))'")
                    }
                    let literal = String(decoding: bytes[start..<index], as: UTF8.self)
                    if isFloat {
                        guard let value = Double(literal) else {
                            throw ExpressionError(message: "invalid number '\(literal)'")
                        }
                        tokens.append(Token(kind: .number, text: literal, value: .float(value)))
                    } else {
                        if literal.count > 1 && literal.hasPrefix("0") && literal.contains(where: { $0 != "0" }) {
                            throw ExpressionError(message: "leading zeros are not allowed in '\(literal)'")
                        }
                        let value: PythonNumber =
                            Int64(literal).map { .int($0) } ?? .float(Double(literal) ?? .infinity)
                        tokens.append(Token(kind: .number, text: literal, value: value))
                    }
                } else if isNameByte(byte) {
                    let start = index
                    while index < bytes.count && isNameByte(bytes[index]) { index += 1 }
                    tokens.append(Token(kind: .name, text: String(decoding: bytes[start..<index], as: UTF8.self)))
                } else if let symbol = symbols.first(where: { bytes[index...].starts(with: $0.utf8) }) {
                    if symbol == "(" { depth += 1 }
                    if symbol == ")" { depth -= 1 }
                    tokens.append(Token(kind: .symbol, text: symbol))
                    index += symbol.utf8.count
                } else {
                    let scalar =
                        String(decoding: bytes[index...].prefix(4), as: UTF8.self).first.map(String.init) ?? "?"
                    throw ExpressionError(message: "unexpected character '\(scalar)'")
                }
            }
            return tokens
        }

        var peek: Token? { position < tokens.count ? tokens[position] : nil }

        mutating func accept(_ text: String) -> Bool {
            if let token = peek, token.kind != .number, token.text == text {
                position += 1
                return true
            }
            return false
        }

        mutating func expect(_ text: String) throws(ExpressionError) {
            guard accept(text) else {
                throw ExpressionError(
                    message: "expected '\(text)'" + (peek.map { " before '\($0.text)'" } ?? " at the end"))
            }
        }

        mutating func parseTest() throws(ExpressionError) -> PythonExpression {
            let value = try parseOr()
            if accept("if") {
                let condition = try parseOr()
                try expect("else")
                return .conditional(condition, then: value, otherwise: try parseTest())
            }
            return value
        }

        mutating func parseOr() throws(ExpressionError) -> PythonExpression {
            var left = try parseAnd()
            while accept("or") { left = .logical("or", left, try parseAnd()) }
            return left
        }

        mutating func parseAnd() throws(ExpressionError) -> PythonExpression {
            var left = try parseNot()
            while accept("and") { left = .logical("and", left, try parseNot()) }
            return left
        }

        mutating func parseNot() throws(ExpressionError) -> PythonExpression {
            if accept("not") { return .unary("not", try parseNot()) }
            return try parseComparison()
        }

        mutating func parseComparison() throws(ExpressionError) -> PythonExpression {
            let first = try parseBinary(level: 0)
            var rest: [(String, PythonExpression)] = []
            while let token = peek, token.kind == .symbol, ["<", ">", "<=", ">=", "==", "!="].contains(token.text) {
                position += 1
                rest.append((token.text, try parseBinary(level: 0)))
            }
            return rest.isEmpty ? first : .comparison(first, rest)
        }

        static let levels: [[String]] = [["|"], ["^"], ["&"], ["<<", ">>"], ["+", "-"], ["*", "/", "//", "%"]]

        mutating func parseBinary(level: Int) throws(ExpressionError) -> PythonExpression {
            if level == Parser.levels.count { return try parseUnary() }
            var left = try parseBinary(level: level + 1)
            while let token = peek, token.kind == .symbol, Parser.levels[level].contains(token.text) {
                position += 1
                left = .binary(token.text, left, try parseBinary(level: level + 1))
            }
            return left
        }

        mutating func parseUnary() throws(ExpressionError) -> PythonExpression {
            for op in ["-", "+", "~"] where accept(op) { return .unary(op, try parseUnary()) }
            let base = try parseAtom()
            if accept("**") { return .binary("**", base, try parseUnary()) }
            return base
        }

        mutating func parseAtom() throws(ExpressionError) -> PythonExpression {
            guard let token = peek else { throw ExpressionError(message: "the expression ends too early") }
            position += 1
            switch token.kind {
            case .number:
                return .number(token.value)
            case .symbol:
                guard token.text == "(" else { throw ExpressionError(message: "unexpected '\(token.text)'") }
                let inner = try parseTest()
                try expect(")")
                return inner
            case .name:
                if ["if", "else", "and", "or", "not", "lambda", "import"].contains(token.text) {
                    throw ExpressionError(message: "unexpected '\(token.text)'")
                }
                var name = token.text
                while accept(".") {
                    guard let part = peek, part.kind == .name else {
                        throw ExpressionError(message: "expected a name after '\(name).'")
                    }
                    position += 1
                    name += "." + part.text
                }
                if accept("(") {
                    guard PythonExpression.functions.contains(name) else {
                        throw ExpressionError(message: "'\(name)' is not an allowed function")
                    }
                    var arguments: [PythonExpression] = []
                    if !accept(")") {
                        repeat { arguments.append(try parseTest()) } while accept(",")
                        try expect(")")
                    }
                    return .call(name, arguments)
                }
                guard names.contains(name) || PythonExpression.constants[name] != nil else {
                    throw ExpressionError(message: "unknown name '\(name)'")
                }
                return .name(name)
            }
        }
    }
}
