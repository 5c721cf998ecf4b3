"""What the source lands from Business Central: entity sets, their fields and their types.

Only the fields listed here land (as snake_case columns), so the sell-to and ship-to names,
addresses, phones and e-mails of sales documents never reach the warehouse. Each field has a
declared type, so money is DECIMAL and timestamps are UTC from the first load on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from dlt.common.normalizers.naming.snake_case import NamingConvention

Kind = Literal["text", "decimal", "integer", "boolean", "date", "datetime"]

NAMING = NamingConvention()


@dataclass(frozen=True)
class Lines:
    """A navigation property read with $expand (document lines, dimension set lines)."""

    navigation: str
    fields: dict[str, Kind]


@dataclass(frozen=True)
class EntitySpec:
    # The OData entity set, e.g. "salesOrders" (for custom pages: the default name).
    entity_set: str
    # The warehouse table, e.g. "sales_orders".
    table: str
    fields: dict[str, Kind]
    # Incremental on lastModifiedDateTime and merged by id; else replaced on every run.
    incremental: bool = True
    lines: Lines | None = None
    # Served by the marketplace extension's custom API, not the standard v2.0 one.
    custom: bool = False
    required: tuple[str, ...] = ("id", "lastModifiedDateTime")
    description: str = ""


def _f(**kinds: Kind) -> dict[str, Kind]:
    return kinds


_TOTALS = _f(
    totalAmountExcludingTax="decimal",
    totalTaxAmount="decimal",
    totalAmountIncludingTax="decimal",
)
_DOCUMENT_LINE = _f(
    id="text",
    documentId="text",
    sequence="integer",
    itemId="text",
    lineType="text",
    lineObjectNumber="text",
    description="text",
    unitOfMeasureCode="text",
    quantity="decimal",
    unitPrice="decimal",
    discountAmount="decimal",
    amountExcludingTax="decimal",
    amountIncludingTax="decimal",
)

ENTITIES: tuple[EntitySpec, ...] = (
    EntitySpec(
        "companyInformation",
        "company_information",
        _f(id="text", displayName="text", currencyCode="text", lastModifiedDateTime="datetime"),
        incremental=False,
        description="The company; currencyCode is the local currency of the general ledger.",
    ),
    EntitySpec(
        "items",
        "items",
        _f(
            id="text",
            number="text",
            displayName="text",
            type="text",
            itemCategoryCode="text",
            blocked="boolean",
            gtin="text",
            inventory="decimal",
            unitPrice="decimal",
            unitCost="decimal",
            baseUnitOfMeasureCode="text",
            lastModifiedDateTime="datetime",
        ),
        description="Items; `inventory` is the total over all locations.",
    ),
    EntitySpec(
        "accounts",
        "accounts",
        _f(
            id="text",
            number="text",
            displayName="text",
            category="text",
            subCategory="text",
            blocked="boolean",
            accountType="text",
            lastModifiedDateTime="datetime",
        ),
        incremental=False,
        description="The chart of accounts.",
    ),
    EntitySpec(
        "customerReturnReasons",
        "customer_return_reasons",
        _f(id="text", code="text", description="text", lastModifiedDateTime="datetime"),
        incremental=False,
        description="Return reasons of credit memos.",
    ),
    EntitySpec(
        "salesOrders",
        "sales_orders",
        _f(
            id="text",
            number="text",
            externalDocumentNumber="text",
            orderDate="date",
            postingDate="date",
            customerNumber="text",
            currencyCode="text",
            **_TOTALS,
            fullyShipped="boolean",
            status="text",
            lastModifiedDateTime="datetime",
        ),
        # BC deletes an order once it is shipped and invoiced, or when it is cancelled, and
        # a lastModifiedDateTime filter cannot see deletions: the open orders are re-read.
        incremental=False,
        lines=Lines("salesOrderLines", {**_DOCUMENT_LINE, "shippedQuantity": "decimal"}),
        description="Open and shipped sales orders, re-read in full each run.",
    ),
    EntitySpec(
        "salesInvoices",
        "sales_invoices",
        _f(
            id="text",
            number="text",
            externalDocumentNumber="text",
            invoiceDate="date",
            postingDate="date",
            customerNumber="text",
            currencyCode="text",
            orderId="text",
            orderNumber="text",
            **_TOTALS,
            status="text",
            lastModifiedDateTime="datetime",
        ),
        lines=Lines("salesInvoiceLines", dict(_DOCUMENT_LINE)),
        description="Posted sales invoices: the history of orders BC no longer holds.",
    ),
    EntitySpec(
        "salesShipments",
        "sales_shipments",
        _f(
            id="text",
            number="text",
            externalDocumentNumber="text",
            orderNumber="text",
            postingDate="date",
            customerNumber="text",
            shipmentMethodCode="text",
            currencyCode="text",
            lastModifiedDateTime="datetime",
        ),
        lines=Lines(
            "salesShipmentLines",
            _f(
                id="text",
                documentId="text",
                documentNo="text",
                sequence="integer",
                lineType="text",
                lineObjectNumber="text",
                description="text",
                unitOfMeasureCode="text",
                unitPrice="decimal",
                quantity="decimal",
                shipmentDate="date",
            ),
        ),
        description="Posted sales shipments (no carrier or tracking on the standard page).",
    ),
    EntitySpec(
        "salesCreditMemos",
        "sales_credit_memos",
        _f(
            id="text",
            number="text",
            externalDocumentNumber="text",
            creditMemoDate="date",
            postingDate="date",
            customerNumber="text",
            currencyCode="text",
            **_TOTALS,
            status="text",
            invoiceId="text",
            invoiceNumber="text",
            customerReturnReasonId="text",
            lastModifiedDateTime="datetime",
        ),
        description="Sales credit memos (refunds).",
    ),
    EntitySpec(
        "generalLedgerEntries",
        "general_ledger_entries",
        _f(
            id="text",
            entryNumber="integer",
            postingDate="date",
            documentNumber="text",
            documentType="text",
            accountId="text",
            accountNumber="text",
            description="text",
            debitAmount="decimal",
            creditAmount="decimal",
            lastModifiedDateTime="datetime",
        ),
        lines=Lines(
            "dimensionSetLines",
            _f(
                id="text",
                code="text",
                parentId="text",
                parentType="text",
                valueId="text",
                valueCode="text",
                valueDisplayName="text",
            ),
        ),
        description="G/L entries in the local currency, with their dimensions.",
    ),
    EntitySpec(
        "shipmentTrackings",
        "shipment_trackings",
        _f(
            id="text",
            number="text",
            orderNumber="text",
            externalDocumentNumber="text",
            shippingAgentCode="text",
            shippingAgentName="text",
            packageTrackingNumber="text",
            systemCreatedAt="datetime",
            lastModifiedDateTime="datetime",
        ),
        custom=True,
        description="Custom page: shipping agent and package tracking no. of posted shipments.",
    ),
    EntitySpec(
        "itemLocationStocks",
        "item_location_stocks",
        _f(
            id="text",
            itemNumber="text",
            locationCode="text",
            inventory="decimal",
            qtyOnSalesOrder="decimal",
            lastModifiedDateTime="datetime",
        ),
        custom=True,
        description="Custom page: stock per item and location.",
    ),
    EntitySpec(
        "marketplaceItems",
        "marketplace_items",
        _f(
            id="text",
            number="text",
            miraklShopSku="text",
            marketplaceListed="boolean",
            unitsPerBaseUnit="decimal",
            safetyStockQuantity="decimal",
            lastModifiedDateTime="datetime",
        ),
        custom=True,
        description="Custom page: the marketplace fields of an item.",
    ),
)

ENTITIES_BY_TABLE = {spec.table: spec for spec in ENTITIES}

DLT_TYPES: dict[Kind, dict[str, Any]] = {
    "text": {"data_type": "text"},
    "decimal": {"data_type": "decimal", "precision": 18, "scale": 4},
    "integer": {"data_type": "bigint"},
    "boolean": {"data_type": "bool"},
    "date": {"data_type": "date"},
    "datetime": {"data_type": "timestamp", "timezone": True},
}


def column(name: str) -> str:
    return NAMING.normalize_identifier(name)


def dlt_columns(fields: dict[str, Kind], required: tuple[str, ...] = ()) -> dict[str, Any]:
    # Nested-table hints need the name inside each column as well as in the key.
    return {
        column(name): {
            "name": column(name),
            **DLT_TYPES[kind],
            "nullable": name not in required,
            **({"primary_key": True} if name == "id" and required else {}),
        }
        for name, kind in fields.items()
    }


def nested_hints(spec: EntitySpec) -> dict[tuple[str, ...], dict[str, Any]] | None:
    if spec.lines is None:
        return None
    return {(column(spec.lines.navigation),): {"columns": dlt_columns(spec.lines.fields)}}
