"""The demo world's ERP side as a Business Central company would hold it.

The world is ERP-neutral (``sandbox.world.erp_records``); this module books the same facts the
way Business Central does, so that the client meets BC's real shapes and quirks:

- ids are GUIDs, document and item numbers are codes (upper case, at most 20 characters);
- dates (``orderDate``, ``postingDate``...) are the company's local dates, without a time;
  the time of a change lives only in ``lastModifiedDateTime``;
- blank text is ``""``, a blank date ``0001-01-01`` and a blank GUID all zeros, never null;
- a sales order lives in ``salesOrders`` while it is open or shipped; once shipped and invoiced
  BC deletes it, and the posted ``salesInvoices`` carries its number and the marketplace order
  id; a cancelled order is deleted outright and leaves nothing behind;
- shipments are posted ``salesShipments``; their carrier and tracking number exist only on the
  extension's ``shipmentTrackings`` page;
- refunds are posted ``salesCreditMemos`` with a return reason;
- the ledger is ``generalLedgerEntries`` in the local currency, each posting tagged with the
  dimensions MIRAKL-ORDER (the Mirakl order id) or MIRAKL-PAYOUT (the pay-out reference);
  bank deposits are the postings to the bank's G/L account (category Assets, sub-category
  Cash), so the world's deposits and its bank ledger legs are one and the same fact;
- stock per location and the marketplace fields of an item come from the extension's pages.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sandbox.world.erp_records import ErpRecords

ZERO_GUID = "00000000-0000-0000-0000-000000000000"
BLANK_DATE = "0001-01-01"
_NAMESPACE = uuid.UUID("7d1c1f1e-5b0a-4f0e-9c43-2b1e6a8b0bc2")

ORDER_DIMENSION = "MIRAKL-ORDER"
PAYOUT_DIMENSION = "MIRAKL-PAYOUT"
MARKETPLACE_CUSTOMER = "MIRAKL"
ZERO = Decimal("0")

Record = dict[str, Any]


class WorldNotBookable(ValueError):
    """A world fact that Business Central cannot hold (e.g. a code longer than its field)."""


def guid(*parts: Any) -> str:
    """A stable GUID per entity and key, so that a world always serves the same ids."""
    return str(uuid.uuid5(_NAMESPACE, "|".join(str(part) for part in parts)))


def code(value: str | None, length: int, what: str) -> str:
    """A BC Code field: upper case, at most `length` characters; blank is ""."""
    if value is None:
        return ""
    text = value.strip().upper()
    if len(text) > length:
        raise WorldNotBookable(f"{what} {value!r} is longer than BC's Code[{length}]")
    return text


def text(value: str | None, length: int = 100) -> str:
    return "" if value is None else value[:length]


class Books:
    """Converts one world's ERP records into Business Central entity sets."""

    def __init__(self, records: ErpRecords, *, company_name: str, currency: str, time_zone: str):
        self.records = records
        self.company_name = company_name
        self.currency = currency
        self.zone = ZoneInfo(time_zone)
        self.fulfilment_of = {row["erp_order_id"]: row for row in records.fulfilments}
        self.lines_by_order: dict[str, list[Record]] = {}
        for line in records.sales_order_lines:
            self.lines_by_order.setdefault(line["erp_order_id"], []).append(line)
        moments = [
            moment
            for rows in (records.sales_orders, records.ledger_entries)
            for row in rows
            for moment in (row.get("created_at"), row.get("posted_at"))
            if moment is not None
        ]
        # Master data was set up before the first document of the world.
        self.setup_at = (min(moments) if moments else dt.datetime(2020, 1, 1, tzinfo=dt.UTC)) - (
            dt.timedelta(days=1)
        )

    def local_date(self, moment: dt.datetime) -> str:
        return moment.astimezone(self.zone).date().isoformat()

    # --- companies ----------------------------------------------------------------------------

    def company(self) -> Record:
        return {
            "id": guid("company", self.company_name),
            "systemVersion": "25.0.23364.25048",
            "timestamp": 1,
            "name": self.company_name,
            "displayName": self.company_name,
            "businessProfileId": "",
            "systemCreatedAt": self.setup_at,
            "systemCreatedBy": ZERO_GUID,
            "systemModifiedAt": self.setup_at,
            "systemModifiedBy": ZERO_GUID,
        }

    def company_information(self) -> list[Record]:
        return [
            {
                "id": guid("companyInformation", self.company_name),
                "displayName": self.company_name,
                "addressLine1": "",
                "city": "Paris",
                "country": "FR",
                "currencyCode": self.currency,
                "currentFiscalYearStartDate": f"{self.setup_at.year}-01-01",
                "taxRegistrationNumber": "",
                "lastModifiedDateTime": self.setup_at,
            }
        ]

    # --- items and stock ----------------------------------------------------------------------

    def items(self) -> list[Record]:
        on_hand: dict[str, Decimal] = {}
        for row in self.records.latest_stock():
            on_hand[row["sku"]] = on_hand.get(row["sku"], ZERO) + (row["on_hand"] or ZERO)
        return [
            {
                "id": guid("item", item["sku"]),
                "number": code(item["sku"], 20, "item number"),
                "displayName": text(item["description"]),
                "displayName2": "",
                "type": "Inventory",
                "itemCategoryId": ZERO_GUID,
                "itemCategoryCode": "",
                "blocked": False,
                "gtin": "",
                "inventory": on_hand.get(item["sku"], ZERO),
                "unitPrice": ZERO,
                "priceIncludesTax": False,
                "unitCost": ZERO,
                "taxGroupId": ZERO_GUID,
                "taxGroupCode": "",
                "baseUnitOfMeasureId": guid("unitOfMeasure", item["stock_uom"]),
                "baseUnitOfMeasureCode": code(item["stock_uom"], 10, "unit of measure"),
                "generalProductPostingGroupCode": "RETAIL",
                "inventoryPostingGroupCode": "RESALE",
                "lastModifiedDateTime": self.setup_at,
            }
            for item in self.records.items
        ]

    def marketplace_items(self) -> list[Record]:
        """The extension's page over Item: its table-extension fields for the marketplace."""
        return [
            {
                "id": guid("item", item["sku"]),
                "number": code(item["sku"], 20, "item number"),
                # A text field of the extension: the seller's SKU on Mirakl, case kept.
                "miraklShopSku": item["mirakl_shop_sku"] or "",
                "marketplaceListed": bool(item["is_marketplace_listed"]),
                # Sellable units in one base unit of measure (12 for a case of 12).
                "unitsPerBaseUnit": Decimal(item["units_per_stock_unit"] or 1),
                # Sellable units held back from the marketplace.
                "safetyStockQuantity": item["safety_stock"] or ZERO,
                "lastModifiedDateTime": self.setup_at,
            }
            for item in self.records.items
        ]

    def item_location_stocks(self) -> list[Record]:
        """The extension's stock per item and location, as it stands now (no history)."""
        return [
            {
                "id": guid("itemLocationStock", row["sku"], row["location"]),
                "itemNumber": code(row["sku"], 20, "item number"),
                "locationCode": code(row["location"], 10, "location code"),
                "inventory": row["on_hand"] or ZERO,
                "qtyOnSalesOrder": row["committed"] or ZERO,
                # When the figure last changed: the time of the stock count.
                "lastModifiedDateTime": row["as_of"],
            }
            for row in self.records.latest_stock()
        ]

    # --- sales documents ----------------------------------------------------------------------

    def _lines(
        self, document_id: str, document_number: str, rows: Iterable[Record], shipped: bool
    ) -> list[Record]:
        lines = []
        for row in rows:
            sequence = int(row["line_number"]) * 10_000
            quantity = row["quantity"] or ZERO
            amount = row["line_amount"] if row["line_amount"] is not None else ZERO
            lines.append(
                {
                    "id": guid("line", document_number, sequence),
                    "documentId": document_id,
                    "sequence": sequence,
                    "itemId": guid("item", row["sku"]),
                    "lineType": "Item",
                    "lineObjectNumber": code(row["sku"], 20, "item number"),
                    "description": "",
                    "unitOfMeasureCode": "PCS",
                    "quantity": quantity,
                    "unitPrice": row["unit_price"] if row["unit_price"] is not None else ZERO,
                    "discountAmount": ZERO,
                    "amountExcludingTax": amount,
                    "amountIncludingTax": amount,
                    "shippedQuantity": quantity if shipped else ZERO,
                }
            )
        return lines

    def _totals(self, total: Decimal) -> Record:
        # The world keeps totals tax included and without a tax split.
        return {
            "totalAmountExcludingTax": total,
            "totalTaxAmount": ZERO,
            "totalAmountIncludingTax": total,
        }

    def invoice_number(self, erp_order_id: str) -> str:
        return code(f"PSI-{erp_order_id}", 20, "posted invoice number")

    def sales_orders(self) -> list[Record]:
        """Orders still open or shipped; invoiced and cancelled ones are gone from BC."""
        orders = []
        for row in self.records.sales_orders:
            if row["status"] not in ("open", "fulfilled"):
                continue
            number = code(row["erp_order_id"], 20, "sales order number")
            fulfilment = self.fulfilment_of.get(row["erp_order_id"])
            shipped = row["status"] == "fulfilled"
            modified = row["created_at"]
            if shipped and fulfilment is not None:
                modified = max(modified, fulfilment["shipped_at"])
            order_id = guid("salesOrder", number)
            orders.append(
                {
                    "id": order_id,
                    "number": number,
                    "externalDocumentNumber": code(
                        row["marketplace_order_id"], 35, "external document number"
                    ),
                    "orderDate": self.local_date(row["created_at"]),
                    "postingDate": self.local_date(row["created_at"]),
                    "customerId": guid("customer", MARKETPLACE_CUSTOMER),
                    "customerNumber": MARKETPLACE_CUSTOMER,
                    "customerName": "Mirakl marketplace",
                    "currencyCode": row["currency"],
                    "pricesIncludeTax": True,
                    "partialShipping": False,
                    "requestedDeliveryDate": BLANK_DATE,
                    "discountAmount": ZERO,
                    **self._totals(row["total_amount"]),
                    "fullyShipped": shipped,
                    "status": "Open",
                    "lastModifiedDateTime": modified,
                    "salesOrderLines": self._lines(
                        order_id, number, self.lines_by_order.get(row["erp_order_id"], []), shipped
                    ),
                }
            )
        return orders

    def sales_invoices(self) -> list[Record]:
        """Posted invoices of the orders that were shipped and invoiced (then deleted)."""
        invoices = []
        for row in self.records.sales_orders:
            if row["status"] != "closed":
                continue
            fulfilment = self.fulfilment_of.get(row["erp_order_id"])
            # Shipped and invoiced in one posting: the invoice is posted with the shipment.
            posted = fulfilment["shipped_at"] if fulfilment else row["created_at"]
            number = self.invoice_number(row["erp_order_id"])
            order_number = code(row["erp_order_id"], 20, "sales order number")
            invoice_id = guid("salesInvoice", number)
            invoices.append(
                {
                    "id": invoice_id,
                    "number": number,
                    "externalDocumentNumber": code(
                        row["marketplace_order_id"], 35, "external document number"
                    ),
                    "invoiceDate": self.local_date(posted),
                    "postingDate": self.local_date(posted),
                    "dueDate": self.local_date(posted),
                    "customerId": guid("customer", MARKETPLACE_CUSTOMER),
                    "customerNumber": MARKETPLACE_CUSTOMER,
                    "customerName": "Mirakl marketplace",
                    "currencyCode": row["currency"],
                    "orderId": guid("salesOrder", order_number),
                    "orderNumber": order_number,
                    "pricesIncludeTax": True,
                    "remainingAmount": ZERO,
                    "discountAmount": ZERO,
                    **self._totals(row["total_amount"]),
                    "status": "Paid",
                    "lastModifiedDateTime": posted,
                    "salesInvoiceLines": self._lines(
                        invoice_id, number, self.lines_by_order.get(row["erp_order_id"], []), True
                    ),
                }
            )
        return invoices

    def sales_shipments(self) -> list[Record]:
        shipments = []
        for row in self.records.fulfilments:
            number = code(row["fulfilment_id"], 20, "posted shipment number")
            shipment_id = guid("salesShipment", number)
            shipments.append(
                {
                    "id": shipment_id,
                    "number": number,
                    "externalDocumentNumber": code(
                        row["marketplace_order_id"], 35, "external document number"
                    ),
                    "invoiceDate": BLANK_DATE,
                    "postingDate": self.local_date(row["shipped_at"]),
                    "dueDate": BLANK_DATE,
                    "customerPurchaseOrderReference": "",
                    "customerNumber": MARKETPLACE_CUSTOMER,
                    "customerName": "Mirakl marketplace",
                    "orderNumber": code(row["erp_order_id"], 20, "sales order number"),
                    # Delivery terms, not the carrier: BC keeps the carrier elsewhere.
                    "shipmentMethodCode": "",
                    "currencyCode": self.currency,
                    "lastModifiedDateTime": row["shipped_at"],
                    "salesShipmentLines": [
                        {
                            "id": line["id"],
                            "documentId": shipment_id,
                            "documentNo": number,
                            "sequence": line["sequence"],
                            "lineType": "Item",
                            "lineObjectNumber": line["lineObjectNumber"],
                            "description": "",
                            "unitOfMeasureCode": line["unitOfMeasureCode"],
                            "unitPrice": line["unitPrice"],
                            "quantity": line["quantity"],
                            "shipmentDate": self.local_date(row["shipped_at"]),
                        }
                        for line in self._lines(
                            shipment_id,
                            number,
                            self.lines_by_order.get(row["erp_order_id"], []),
                            True,
                        )
                    ],
                }
            )
        return shipments

    def shipment_trackings(self) -> list[Record]:
        """The extension's page over Sales Shipment Header: shipping agent and package tracking.

        ``shippingAgentName`` is the Shipping Agent's name (what the world calls the ERP's
        carrier); ``systemCreatedAt`` is when the shipment was posted.
        """
        return [
            {
                "id": guid("salesShipment", code(row["fulfilment_id"], 20, "shipment")),
                "number": code(row["fulfilment_id"], 20, "posted shipment number"),
                "orderNumber": code(row["erp_order_id"], 20, "sales order number"),
                "externalDocumentNumber": code(
                    row["marketplace_order_id"], 35, "external document number"
                ),
                "shippingAgentCode": _agent_code(row["carrier"]),
                "shippingAgentName": text(row["carrier"], 50),
                "packageTrackingNumber": text(row["tracking_number"], 50),
                "systemCreatedAt": row["shipped_at"],
                "lastModifiedDateTime": row["shipped_at"],
            }
            for row in self.records.fulfilments
        ]

    def customer_return_reasons(self) -> list[Record]:
        reasons = sorted({row["reason"] for row in self.records.refunds if row["reason"]})
        return [
            {
                "id": guid("customerReturnReason", reason),
                "code": _reason_code(reason),
                "description": text(reason, 100),
                "lastModifiedDateTime": self.setup_at,
            }
            for reason in reasons
        ]

    def sales_credit_memos(self) -> list[Record]:
        orders = {row["erp_order_id"]: row for row in self.records.sales_orders}
        memos = []
        for row in self.records.refunds:
            number = code(row["refund_id"], 20, "posted credit memo number")
            order = orders.get(row["erp_order_id"])
            invoiced = order is not None and order["status"] == "closed"
            invoice_number = self.invoice_number(row["erp_order_id"]) if invoiced else ""
            memos.append(
                {
                    "id": guid("salesCreditMemo", number),
                    "number": number,
                    "externalDocumentNumber": code(
                        row["marketplace_order_id"], 35, "external document number"
                    ),
                    "creditMemoDate": self.local_date(row["created_at"]),
                    "postingDate": self.local_date(row["created_at"]),
                    "dueDate": self.local_date(row["created_at"]),
                    "customerNumber": MARKETPLACE_CUSTOMER,
                    "customerName": "Mirakl marketplace",
                    "currencyCode": row["currency"],
                    **self._totals(row["amount"]),
                    "status": "Paid",
                    "invoiceId": guid("salesInvoice", invoice_number) if invoiced else ZERO_GUID,
                    "invoiceNumber": invoice_number,
                    "customerReturnReasonId": (
                        guid("customerReturnReason", row["reason"]) if row["reason"] else ZERO_GUID
                    ),
                    "lastModifiedDateTime": row["created_at"],
                }
            )
        return memos

    # --- the ledger ---------------------------------------------------------------------------

    def accounts(self) -> list[Record]:
        names = sorted({row["account"] for row in self.records.ledger_entries})
        accounts = []
        for name in names:
            number, _, display = name.partition(" ")
            category, subcategory = _account_category(number, display)
            accounts.append(
                {
                    "id": guid("account", number),
                    "number": code(number, 20, "G/L account number"),
                    "displayName": display or number,
                    "category": category,
                    "subCategory": subcategory,
                    "blocked": False,
                    "accountType": "Posting",
                    "directPosting": True,
                    "netChange": ZERO,
                    "lastModifiedDateTime": self.setup_at,
                }
            )
        return accounts

    def general_ledger_entries(self) -> list[Record]:
        rows = sorted(self.records.ledger_entries, key=lambda r: (r["posted_at"], r["entry_id"]))
        entries = []
        for entry_number, row in enumerate(rows, start=1):
            entry_id = guid("generalLedgerEntry", entry_number)
            account = row["account"].partition(" ")[0]
            document = row["entry_id"].rsplit("-", 1)[0]
            dimensions = []
            for dimension, value in (
                (ORDER_DIMENSION, row["marketplace_order_id"]),
                (PAYOUT_DIMENSION, row["payout_reference"]),
            ):
                if value:
                    value_code = code(value, 20, f"{dimension} dimension value")
                    dimensions.append(
                        {
                            "id": guid("dimension", dimension),
                            "code": dimension,
                            "parentId": entry_id,
                            "parentType": "General Ledger Entry",
                            "displayName": dimension.title(),
                            "valueId": guid("dimensionValue", dimension, value_code),
                            "valueCode": value_code,
                            "valueDisplayName": text(value, 50),
                        }
                    )
            entries.append(
                {
                    "id": entry_id,
                    "entryNumber": entry_number,
                    "postingDate": self.local_date(row["posted_at"]),
                    "documentNumber": code(document, 20, "G/L document number"),
                    # Journal postings carry no document type.
                    "documentType": " ",
                    "accountId": guid("account", account),
                    "accountNumber": code(account, 20, "G/L account number"),
                    "description": text(row["memo"]),
                    "debitAmount": row["debit"] or ZERO,
                    "creditAmount": row["credit"] or ZERO,
                    "additionalCurrencyDebitAmount": ZERO,
                    "additionalCurrencyCreditAmount": ZERO,
                    # G/L entries are written once, when posted.
                    "lastModifiedDateTime": row["posted_at"],
                    "dimensionSetLines": dimensions,
                }
            )
        return entries


def _agent_code(carrier: str | None) -> str:
    if not carrier:
        return ""
    letters = "".join(ch for ch in carrier.upper() if ch.isalnum())
    return letters[:10]


def _reason_code(reason: str) -> str:
    return "".join(ch for ch in reason.upper() if ch.isalnum())[:10]


def _account_category(number: str, name: str) -> tuple[str, str]:
    """BC's G/L account category from the chart's numbering (1 assets ... 6+ expense)."""
    lowered = name.lower()
    if number.startswith("1"):
        if "bank" in lowered or "cash" in lowered:
            return "Assets", "Cash"
        if "receivable" in lowered:
            return "Assets", "Accounts Receivable"
        return "Assets", "Current Assets"
    if number.startswith("2"):
        return "Liabilities", "Current Liabilities"
    if number.startswith("3"):
        return "Equity", "Common Stock"
    if number.startswith("4"):
        return "Income", "Income, Services"
    if number.startswith("5"):
        return "CostOfGoodsSold", "Cost of Goods"
    return "Expense", "Other Expenses"
