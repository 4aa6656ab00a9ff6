/// Expressions of the con4m subset (spec/config.md §1.3). Only the cases that hold an Expr
/// directly are `indirect` (boxed): literals and names, most of the base config's values, are
/// stored inline.
enum Expr {
    case literal(CValue, SourcePos)
    case identifier(String, SourcePos)
    case list([Expr], SourcePos)
    case dict([(Expr, Expr)], SourcePos)
    case tuple([Expr], SourcePos)
    indirect case not(Expr, SourcePos)
    indirect case unary(String, Expr, SourcePos)
    indirect case binary(String, Expr, Expr, SourcePos)
    /// A call of a builtin or a config function; `x.f(a)` is rewritten to `f(x, a)`.
    case call(String, [Expr], SourcePos)
    indirect case member(Expr, String, SourcePos)
    indirect case index(Expr, Expr, SourcePos)

    var pos: SourcePos {
        switch self {
        case .literal(_, let p), .identifier(_, let p), .list(_, let p), .dict(_, let p), .tuple(_, let p),
             .not(_, let p), .unary(_, _, let p), .binary(_, _, _, let p), .call(_, _, let p),
             .member(_, _, let p), .index(_, _, let p): p
        }
    }
}

/// Statements (spec/config.md §1.2 and the EBNF of §1.7). Not `indirect`: nested statements
/// are held in arrays, so a statement needs no heap box of its own.
enum Stmt {
    /// `[~] path (:|=) expr`.
    case assign(path: [String], locked: Bool, value: Expr, pos: SourcePos)
    /// `a [, b…] := expr`.
    case varAssign(names: [String], value: Expr, pos: SourcePos)
    /// `kind [tag] { body }`.
    case section(kind: String, tag: String?, body: [Stmt], pos: SourcePos)
    case ifChain(branches: [(Expr, [Stmt])], otherwise: [Stmt]?, pos: SourcePos)
    case forLoop(variable: String, from: Expr, to: Expr, body: [Stmt], pos: SourcePos)
    case funcDef(name: String, params: [String], body: [Stmt], pos: SourcePos)
    case enumDecl(names: [String], pos: SourcePos)
    /// `export`, `var` declarations: accepted, no effect here.
    case declaration(pos: SourcePos)
    case breakStmt(SourcePos)
    case continueStmt(SourcePos)
    case returnStmt(Expr?, SourcePos)
    case use(name: String, from: String?, pos: SourcePos)
    case parameter(pos: SourcePos)
    case expression(Expr, SourcePos)
}
