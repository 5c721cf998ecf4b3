"""A SuiteQL subset, parsed, checked against the sandbox's tables and run on DuckDB.

NetSuite runs SuiteQL (Oracle-flavoured SQL) over its records. The sandbox accepts the shapes
integration clients send, and checks every name the way NetSuite does, so a client that asks
for a table or field the account does not have gets NetSuite's error, not an empty result:

    SELECT [DISTINCT] <expr> [[AS] alias], ... | *
    FROM <table> [alias]
    {[INNER | LEFT [OUTER]] JOIN <table> [alias] ON <condition>}
    [WHERE <condition>]
    [ORDER BY <expr | alias> [ASC | DESC], ...]

Conditions: comparisons, AND / OR / NOT, [NOT] IN (...), [NOT] BETWEEN, [NOT] LIKE,
IS [NOT] NULL, parentheses. Functions: TO_CHAR, TO_TIMESTAMP, TO_DATE, BUILTIN.DF,
COALESCE, NVL, UPPER, LOWER. A date or date-time compared with a string reads the string in
the user's date format, as NetSuite does. Literals travel as query parameters and identifiers
only ever come from the schema, so no client text reaches DuckDB unchecked.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sandbox.netsuite.formats import (
    FormatError,
    oracle_number,
    parse_user_date,
    strftime_pattern,
    user_date,
)
from sandbox.netsuite.schema import Table

SEARCH_ERROR = (
    "Invalid search query. Detailed unprocessed description follows. Search error occurred: "
)


class SuiteQLError(ValueError):
    """A query NetSuite would refuse; the message is NetSuite's detail text."""


# --- tokens -----------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
    |(?P<comment>--[^\n]*)
    |(?P<string>'(?:[^']|'')*')
    |(?P<number>\d+(?:\.\d+)?|\.\d+)
    |(?P<quoted>"[^"]+")
    |(?P<name>[A-Za-z_][A-Za-z0-9_$#]*)
    |(?P<op><>|!=|<=|>=|\|\||[=<>(),.*+\-/])
    """,
    re.VERBOSE,
)

KEYWORDS = frozenset(
    [
        "SELECT",
        "DISTINCT",
        "FROM",
        "WHERE",
        "ORDER",
        "BY",
        "ASC",
        "DESC",
        "AND",
        "OR",
        "NOT",
        "IN",
        "IS",
        "NULL",
        "BETWEEN",
        "LIKE",
        "JOIN",
        "INNER",
        "LEFT",
        "RIGHT",
        "FULL",
        "OUTER",
        "ON",
        "AS",
        "NULLS",
        "FIRST",
        "LAST",
        "GROUP",
        "HAVING",
        "UNION",
    ]
)


@dataclass(frozen=True)
class Token:
    kind: str  # string, number, name, op, end
    text: str

    @property
    def word(self) -> str:
        return self.text.upper() if self.kind == "name" else ""


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise SuiteQLError(f"{SEARCH_ERROR}Unexpected character {text[position]!r}.")
        position = match.end()
        kind = match.lastgroup or ""
        if kind in ("space", "comment"):
            continue
        value = match.group()
        if kind == "quoted":
            kind, value = "name", value[1:-1]
        tokens.append(Token(kind, value))
    tokens.append(Token("end", ""))
    return tokens


# --- syntax tree ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    qualifier: str | None
    name: str


@dataclass(frozen=True)
class Star:
    qualifier: str | None


@dataclass(frozen=True)
class Literal:
    value: str | Decimal | None  # str for '...', Decimal for numbers, None for NULL


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Any, ...]


@dataclass(frozen=True)
class Unary:
    op: str
    operand: Any


@dataclass(frozen=True)
class Binary:
    op: str
    left: Any
    right: Any


@dataclass(frozen=True)
class IsNull:
    operand: Any
    negated: bool


@dataclass(frozen=True)
class InList:
    operand: Any
    items: tuple[Any, ...]
    negated: bool


@dataclass(frozen=True)
class Between:
    operand: Any
    low: Any
    high: Any
    negated: bool


@dataclass(frozen=True)
class Join:
    kind: str  # INNER or LEFT
    table: str
    alias: str
    on: Any


@dataclass
class Select:
    items: list[tuple[Any, str | None]]
    distinct: bool
    table: str
    alias: str
    joins: list[Join] = field(default_factory=list)
    where: Any = None
    order_by: list[tuple[Any, bool]] = field(default_factory=list)


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.position = 0

    # helpers
    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.position + ahead, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.peek()
        self.position += 1
        return token

    def accept(self, *words: str) -> bool:
        if self.peek().word in words or (self.peek().kind == "op" and self.peek().text in words):
            self.advance()
            return True
        return False

    def expect(self, word: str) -> None:
        if not self.accept(word):
            found = self.peek().text or "the end of the query"
            raise SuiteQLError(f"{SEARCH_ERROR}Syntax error: expected {word} but found {found}.")

    def identifier(self, what: str) -> str:
        token = self.advance()
        if token.kind != "name" or token.word in KEYWORDS:
            found = token.text or "the end of the query"
            raise SuiteQLError(f"{SEARCH_ERROR}Syntax error: expected {what} but found {found}.")
        return token.text.lower()

    # grammar
    def select(self) -> Select:
        self.expect("SELECT")
        distinct = self.accept("DISTINCT")
        items = [self.select_item()]
        while self.accept(","):
            items.append(self.select_item())
        self.expect("FROM")
        table, alias = self.table_ref()
        query = Select(items, distinct, table, alias)
        while self.peek().word in ("JOIN", "INNER", "LEFT", "RIGHT", "FULL"):
            query.joins.append(self.join())
        if self.accept("WHERE"):
            query.where = self.expression()
        if self.peek().word in ("GROUP", "HAVING", "UNION"):
            raise SuiteQLError(
                f"{SEARCH_ERROR}{self.peek().word} is not supported by this sandbox's SuiteQL."
            )
        if self.accept("ORDER"):
            self.expect("BY")
            query.order_by.append(self.order_item())
            while self.accept(","):
                query.order_by.append(self.order_item())
        if self.peek().kind != "end":
            raise SuiteQLError(f"{SEARCH_ERROR}Syntax error near {self.peek().text!r}.")
        return query

    def select_item(self) -> tuple[Any, str | None]:
        if self.peek().text == "*":
            self.advance()
            return Star(None), None
        if self.peek().kind == "name" and self.peek(1).text == "." and self.peek(2).text == "*":
            qualifier = self.advance().text.lower()
            self.advance()
            self.advance()
            return Star(qualifier), None
        expression = self.expression()
        alias = None
        bare_alias = self.peek().kind == "name" and self.peek().word not in KEYWORDS
        if self.accept("AS") or bare_alias:
            alias = self.identifier("a column alias")
        return expression, alias

    def table_ref(self) -> tuple[str, str]:
        table = self.identifier("a table name")
        alias = table
        if self.accept("AS") or (self.peek().kind == "name" and self.peek().word not in KEYWORDS):
            alias = self.identifier("a table alias")
        return table, alias

    def join(self) -> Join:
        kind = "INNER"
        if self.accept("LEFT"):
            kind = "LEFT"
            self.accept("OUTER")
        elif self.peek().word in ("RIGHT", "FULL"):
            raise SuiteQLError(
                f"{SEARCH_ERROR}{self.peek().word} JOIN is not supported by this sandbox's SuiteQL."
            )
        else:
            self.accept("INNER")
        self.expect("JOIN")
        table, alias = self.table_ref()
        self.expect("ON")
        return Join(kind, table, alias, self.expression())

    def order_item(self) -> tuple[Any, bool]:
        expression = self.expression()
        descending = False
        if self.accept("DESC"):
            descending = True
        else:
            self.accept("ASC")
        return expression, descending

    def expression(self) -> Any:
        left = self.conjunction()
        while self.accept("OR"):
            left = Binary("OR", left, self.conjunction())
        return left

    def conjunction(self) -> Any:
        left = self.negation()
        while self.accept("AND"):
            left = Binary("AND", left, self.negation())
        return left

    def negation(self) -> Any:
        if self.accept("NOT"):
            return Unary("NOT", self.negation())
        return self.predicate()

    def predicate(self) -> Any:
        left = self.concatenation()
        token = self.peek()
        if token.kind == "op" and token.text in ("=", "<>", "!=", "<", "<=", ">", ">="):
            self.advance()
            return Binary("<>" if token.text == "!=" else token.text, left, self.concatenation())
        if self.accept("IS"):
            negated = self.accept("NOT")
            self.expect("NULL")
            return IsNull(left, negated)
        negated = self.accept("NOT")
        if self.accept("IN"):
            self.expect("(")
            items = [self.concatenation()]
            while self.accept(","):
                items.append(self.concatenation())
            self.expect(")")
            return InList(left, tuple(items), negated)
        if self.accept("BETWEEN"):
            low = self.concatenation()
            self.expect("AND")
            return Between(left, low, self.concatenation(), negated)
        if self.accept("LIKE"):
            condition = Binary("LIKE", left, self.concatenation())
            return Unary("NOT", condition) if negated else condition
        if negated:
            raise SuiteQLError(f"{SEARCH_ERROR}Syntax error near NOT.")
        return left

    def concatenation(self) -> Any:
        left = self.additive()
        while self.accept("||"):
            left = Binary("||", left, self.additive())
        return left

    def additive(self) -> Any:
        left = self.multiplicative()
        while self.peek().kind == "op" and self.peek().text in ("+", "-"):
            left = Binary(self.advance().text, left, self.multiplicative())
        return left

    def multiplicative(self) -> Any:
        left = self.unary()
        while self.peek().kind == "op" and self.peek().text in ("*", "/"):
            left = Binary(self.advance().text, left, self.unary())
        return left

    def unary(self) -> Any:
        if self.peek().kind == "op" and self.peek().text == "-":
            self.advance()
            return Unary("-", self.unary())
        return self.primary()

    def primary(self) -> Any:
        token = self.advance()
        if token.kind == "op" and token.text == "(":
            inner = self.expression()
            self.expect(")")
            return inner
        if token.kind == "string":
            return Literal(token.text[1:-1].replace("''", "'"))
        if token.kind == "number":
            return Literal(Decimal(token.text))
        if token.word == "NULL":
            return Literal(None)
        if token.kind == "name" and token.word not in KEYWORDS:
            if self.peek().text == "(":
                return self.call(token.text.upper())
            if self.peek().text == "." and self.peek(1).kind == "name":
                self.advance()
                second = self.advance()
                if self.peek().text == "(":
                    return self.call(f"{token.text}.{second.text}".upper())
                return Column(token.text.lower(), second.text.lower())
            return Column(None, token.text.lower())
        found = token.text or "the end of the query"
        raise SuiteQLError(f"{SEARCH_ERROR}Syntax error near {found}.")

    def call(self, name: str) -> Call:
        self.expect("(")
        args = []
        if not self.accept(")"):
            args.append(self.expression())
            while self.accept(","):
                args.append(self.expression())
            self.expect(")")
        return Call(name, tuple(args))


def parse(text: str) -> Select:
    if not text or not text.strip():
        raise SuiteQLError("The query is empty.")
    return _Parser(text).select()


# --- compilation ------------------------------------------------------------------------------


# An output column: its name in the result and how to write its values.
@dataclass(frozen=True)
class OutputColumn:
    name: str
    kind: str  # a schema Kind, or "formatted" for TO_CHAR text


@dataclass(frozen=True)
class Compiled:
    sql: str
    params: list[Any]
    count_sql: str
    count_params: list[Any]
    columns: list[OutputColumn]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class Compiler:
    """Turns a parsed query into DuckDB SQL over the sandbox's tables, checking every name."""

    def __init__(self, tables: dict[str, Table], timezone: str, date_format: str) -> None:
        self.tables = tables
        self.timezone = timezone
        self.zone = ZoneInfo(timezone)
        self.date_format = date_format

    def compile(self, text: str) -> Compiled:
        query = parse(text)
        self.params: list[Any] = []
        self.scope: dict[str, str] = {}
        self._bind(query.table, query.alias)
        for join in query.joins:
            self._bind(join.table, join.alias)

        select_sql: list[str] = []
        columns: list[OutputColumn] = []
        aliases: dict[str, str] = {}
        for expression, alias in query.items:
            if isinstance(expression, Star):
                for scope_alias, table in self._star_tables(expression):
                    for column, kind in self.tables[table].columns.items():
                        slot = f"c{len(select_sql)}"
                        select_sql.append(f"{_quote(scope_alias)}.{_quote(column)} AS {slot}")
                        columns.append(OutputColumn(column, kind))
                continue
            sql, kind = self.expr(expression)
            if kind == "boolean":
                raise SuiteQLError(f"{SEARCH_ERROR}A condition cannot be selected as a column.")
            slot = f"c{len(select_sql)}"
            name = alias or (
                expression.name if isinstance(expression, Column) else f"expr{len(columns) + 1}"
            )
            aliases[name] = slot
            select_sql.append(f"{sql} AS {slot}")
            columns.append(OutputColumn(name, kind))

        # Parameters follow the order of the SQL text: select list, joins, where, order by.
        from_sql = f"{_quote(query.table)} AS {_quote(query.alias)}"
        for join in query.joins:
            on_sql, _ = self.expr(join.on)
            keyword = "LEFT JOIN" if join.kind == "LEFT" else "JOIN"
            from_sql += f" {keyword} {_quote(join.table)} AS {_quote(join.alias)} ON {on_sql}"
        where_sql = ""
        if query.where is not None:
            sql, _ = self.expr(query.where)
            where_sql = f" WHERE {sql}"
        body_params = list(self.params)

        order_sql = ""
        if query.order_by:
            parts = []
            for expression, descending in query.order_by:
                if (
                    isinstance(expression, Column)
                    and expression.qualifier is None
                    and expression.name in aliases
                ):
                    sql = aliases[expression.name]
                else:
                    sql, _ = self.expr(expression)
                parts.append(f"{sql} {'DESC' if descending else 'ASC'} NULLS LAST")
            order_sql = " ORDER BY " + ", ".join(parts)

        distinct = "DISTINCT " if query.distinct else ""
        body = f"SELECT {distinct}{', '.join(select_sql)} FROM {from_sql}{where_sql}"
        return Compiled(
            sql=body + order_sql,
            params=list(self.params),
            count_sql=f"SELECT count(*) FROM ({body})",
            count_params=body_params,
            columns=columns,
        )

    # names

    def _bind(self, table: str, alias: str) -> None:
        if table not in self.tables:
            raise SuiteQLError(f"{SEARCH_ERROR}Record '{table}' was not found.")
        if alias in self.scope:
            raise SuiteQLError(f"{SEARCH_ERROR}The alias '{alias}' is used twice.")
        self.scope[alias] = table

    def _star_tables(self, star: Star) -> list[tuple[str, str]]:
        if star.qualifier is None:
            return list(self.scope.items())
        if star.qualifier not in self.scope:
            raise SuiteQLError(f"{SEARCH_ERROR}Unknown identifier '{star.qualifier}'.")
        return [(star.qualifier, self.scope[star.qualifier])]

    def _column(self, column: Column) -> tuple[str, str, str]:
        """(alias, table, kind) of a column reference, or NetSuite's error."""
        if column.qualifier is not None:
            if column.qualifier not in self.scope:
                raise SuiteQLError(f"{SEARCH_ERROR}Unknown identifier '{column.qualifier}'.")
            table = self.scope[column.qualifier]
            kind = self.tables[table].columns.get(column.name)
            if kind is None:
                raise SuiteQLError(
                    f"{SEARCH_ERROR}Field '{column.name}' for record '{table}' was not found. "
                    "Reason: NOT_EXPOSED - Not available for channel SEARCH"
                )
            return column.qualifier, table, kind
        owners = [
            (alias, table)
            for alias, table in self.scope.items()
            if column.name in self.tables[table].columns
        ]
        if not owners:
            tables = ", ".join(sorted(set(self.scope.values())))
            raise SuiteQLError(
                f"{SEARCH_ERROR}Field '{column.name}' for record '{tables}' was not found. "
                "Reason: NOT_EXPOSED - Not available for channel SEARCH"
            )
        if len(owners) > 1:
            raise SuiteQLError(
                f"{SEARCH_ERROR}Column '{column.name}' is ambiguous: qualify it with one of "
                f"{', '.join(alias for alias, _ in owners)}."
            )
        alias, table = owners[0]
        return alias, table, self.tables[table].columns[column.name]

    # expressions

    def _capture(self, compile_: Any, *args: Any) -> tuple[Any, list[Any]]:
        saved, self.params = self.params, []
        try:
            return compile_(*args), self.params
        finally:
            self.params = saved

    def _param(self, value: Any) -> str:
        self.params.append(value)
        return "?"

    def expr(self, node: Any) -> tuple[str, str]:
        """DuckDB SQL of an expression and its kind (a schema kind, 'boolean' or 'null')."""
        if isinstance(node, Column):
            alias, _, kind = self._column(node)
            return f"{_quote(alias)}.{_quote(node.name)}", kind
        if isinstance(node, Literal):
            if node.value is None:
                return "NULL", "null"
            if isinstance(node.value, Decimal):
                kind = "integer" if node.value == node.value.to_integral_value() else "decimal"
                return self._param(node.value), kind
            return self._param(node.value), "text"
        if isinstance(node, Call):
            return self._call(node)
        if isinstance(node, Unary):
            sql, kind = self.expr(node.operand)
            if node.op == "NOT":
                return f"(NOT {sql})", "boolean"
            return f"(-{sql})", kind
        if isinstance(node, Binary):
            return self._binary(node)
        if isinstance(node, IsNull):
            sql, _ = self.expr(node.operand)
            return f"({sql} IS {'NOT ' if node.negated else ''}NULL)", "boolean"
        if isinstance(node, InList):
            sql, kind = self.expr(node.operand)
            items = [self._operand(item, kind) for item in node.items]
            return f"({sql} {'NOT ' if node.negated else ''}IN ({', '.join(items)}))", "boolean"
        if isinstance(node, Between):
            sql, kind = self.expr(node.operand)
            low, high = self._operand(node.low, kind), self._operand(node.high, kind)
            negation = "NOT " if node.negated else ""
            return f"({sql} {negation}BETWEEN {low} AND {high})", "boolean"
        if isinstance(node, Star):
            raise SuiteQLError(f"{SEARCH_ERROR}Syntax error near *.")
        raise SuiteQLError(f"{SEARCH_ERROR}Unsupported expression.")

    def _operand(self, node: Any, other_kind: str) -> str:
        """An operand compared with something of `other_kind`: dates in strings are read."""
        if (
            other_kind in ("date", "datetime")
            and isinstance(node, Literal)
            and isinstance(node.value, str)
        ):
            try:
                day = parse_user_date(node.value, self.date_format)
            except FormatError as error:
                raise SuiteQLError(f"{SEARCH_ERROR}{error}.") from None
            if other_kind == "date":
                return self._param(day)
            return self._param(self._utc(dt.datetime.combine(day, dt.time())))
        sql, kind = self.expr(node)
        if other_kind == "date" and kind == "datetime":
            return f"CAST(timezone({_sql_string(self.timezone)}, {sql} AT TIME ZONE 'UTC') AS DATE)"
        return sql

    def _binary(self, node: Binary) -> tuple[str, str]:
        if node.op in ("AND", "OR"):
            left, _ = self.expr(node.left)
            right, _ = self.expr(node.right)
            return f"({left} {node.op} {right})", "boolean"
        if node.op in ("=", "<>", "<", "<=", ">", ">=", "LIKE"):
            if isinstance(node.left, Literal) and not isinstance(node.right, Literal):
                # The literal is read by the other side's kind, but its parameter comes first.
                (right, right_kind), right_params = self._capture(self.expr, node.right)
                left = self._operand(node.left, right_kind)
                self.params.extend(right_params)
            else:
                left, left_kind = self.expr(node.left)
                right = self._operand(node.right, left_kind)
            return f"({left} {node.op} {right})", "boolean"
        left, left_kind = self.expr(node.left)
        right, right_kind = self.expr(node.right)
        if node.op == "||":
            # Oracle concatenation treats NULL as an empty string.
            return f"concat({left}, {right})", "text"
        kind = "decimal" if "decimal" in (left_kind, right_kind) or node.op == "/" else left_kind
        return f"({left} {node.op} {right})", kind

    def _call(self, node: Call) -> tuple[str, str]:
        name, args = node.name, node.args
        if name == "BUILTIN.DF":
            if len(args) != 1 or not isinstance(args[0], Column):
                raise SuiteQLError(f"{SEARCH_ERROR}BUILTIN.DF takes one field.")
            alias, table, _ = self._column(args[0])
            reference = self.tables[table].references.get(args[0].name)
            if reference is None:
                # Not a reference: NetSuite shows the value itself.
                return self.expr(args[0])
            target, display = reference
            key = "internalid" if target == "unitstypeuom" else "id"
            column = f"{_quote(alias)}.{_quote(args[0].name)}"
            return (
                f"(SELECT CAST({_quote(display)} AS VARCHAR) FROM {_quote(target)} "
                f"WHERE {_quote(key)} = {column} LIMIT 1)",
                "text",
            )
        if name == "TO_CHAR":
            if len(args) not in (1, 2):
                raise SuiteQLError(f"{SEARCH_ERROR}TO_CHAR takes a value and a format.")
            sql, kind = self.expr(args[0])
            if len(args) == 1 or kind not in ("date", "datetime"):
                return sql, kind
            pattern = self._format(args[1])
            if kind == "datetime":
                local = f"timezone({_sql_string(self.timezone)}, {sql} AT TIME ZONE 'UTC')"
                return f"strftime({local}, {_sql_string(pattern)})", "formatted"
            return f"strftime({sql}, {_sql_string(pattern)})", "formatted"
        if name in ("TO_TIMESTAMP", "TO_DATE"):
            if len(args) != 2 or not all(
                isinstance(arg, Literal) and isinstance(arg.value, str) for arg in args
            ):
                raise SuiteQLError(
                    f"{SEARCH_ERROR}{name} takes a quoted value and a quoted format model."
                )
            pattern = self._format(args[1])
            try:
                local = dt.datetime.strptime(args[0].value, pattern)
            except ValueError:
                raise SuiteQLError(
                    f"{SEARCH_ERROR}'{args[0].value}' does not match the format '{args[1].value}'."
                ) from None
            return self._param(self._utc(local)), "datetime"
        if name in ("COALESCE", "NVL"):
            if len(args) < 2:
                raise SuiteQLError(f"{SEARCH_ERROR}{name} takes at least two values.")
            compiled = [self.expr(arg) for arg in args]
            kind = next((kind for _, kind in compiled if kind != "null"), "null")
            return f"COALESCE({', '.join(sql for sql, _ in compiled)})", kind
        if name in ("UPPER", "LOWER"):
            if len(args) != 1:
                raise SuiteQLError(f"{SEARCH_ERROR}{name} takes one value.")
            sql, _ = self.expr(args[0])
            return f"{name}({sql})", "text"
        raise SuiteQLError(f"{SEARCH_ERROR}Unknown function {name}.")

    def _format(self, node: Any) -> str:
        if not isinstance(node, Literal) or not isinstance(node.value, str):
            raise SuiteQLError(f"{SEARCH_ERROR}A format model must be a quoted string.")
        try:
            return strftime_pattern(node.value)
        except FormatError as error:
            raise SuiteQLError(f"{SEARCH_ERROR}{error}.") from None

    def _utc(self, local: dt.datetime) -> dt.datetime:
        """A wall-clock time of the account's zone as the naive UTC the tables hold."""
        return local.replace(tzinfo=self.zone).astimezone(dt.UTC).replace(tzinfo=None)

    # results

    def render(self, value: Any, kind: str) -> str:
        """A value as SuiteQL writes it: always a string."""
        if kind == "datetime" and isinstance(value, dt.datetime):
            local = value.replace(tzinfo=dt.UTC).astimezone(self.zone)
            return user_date(local.date(), self.date_format)
        if kind == "date" and isinstance(value, dt.date):
            return user_date(value, self.date_format)
        if isinstance(value, bool):
            return "T" if value else "F"
        if isinstance(value, int):
            return str(value)
        if isinstance(value, Decimal):
            return oracle_number(value)
        if isinstance(value, float):
            return oracle_number(Decimal(repr(value)))
        return str(value)
