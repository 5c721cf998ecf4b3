"""The demo world's ERP side as NetSuite records: the rows of each SuiteQL table.

How the world's ERP facts become NetSuite records:

- items are inventory items (``InvtPart``) whose case size, safety stock, listing flag and Mirakl
  shop SKU sit in ``custitem_mirakl_*`` custom fields; the stock unit is a ``unitstypeuom`` row
  whose conversion rate is the case size;
- stock is the live ``inventoryitemlocations`` view (the newest snapshot per SKU and location),
  ``lastinvtcountdate`` holding when it was counted;
- sales orders are ``SalesOrd`` transactions with the marketplace order id in ``otherrefnum``;
  their item lines carry negative quantities and amounts, as NetSuite stores sales lines;
- fulfilments are ``ItemShip`` transactions created from the order, shipped (status C), with the
  carrier as ship method and the tracking numbers in ``TrackingNumberMap``;
- refunds are credit memos (``CustCred``), every other one a cash refund (``CashRfnd``) so both
  kinds are served, created from the order, the reason in ``memo``;
- ledger entries are the accounting lines of ``Journal`` transactions, one journal per posting
  group of the world (``JE-000076`` holds ``JE-000076-1`` ...); a bank deposit is a ``Deposit``
  transaction carrying its own two accounting lines. The order id and pay-out reference of a
  line sit in ``custcol_mirakl_order_id`` and ``custcol_mirakl_payout_reference``.

NetSuite keeps date-times to the second and ``trandate`` as a date: the world's times are cut to
the second, and ``createddate`` holds the moment each record was made.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sandbox.world.erp_records import ErpRecords

Row = dict[str, Any]

STATUS_LETTERS = {"open": "B", "fulfilled": "F", "closed": "H", "cancelled": "C"}
CURRENCY_NAMES = {"EUR": "Euro", "USD": "US Dollar", "GBP": "British pound", "CHF": "Swiss Franc"}
UNIT_NAMES = {"EA": "Each", "CS": "Case", "PK": "Pack", "BX": "Box"}
ACCOUNT_TYPES = {"1": "Bank", "2": "OthCurrLiab", "4": "Income", "5": "COGS", "6": "Expense"}
MARKETPLACE_CUSTOMER = 1
PRIMARY_BOOK = 1
# Items existed before the world's history starts.
ITEM_AGE = dt.timedelta(days=90)


@dataclass
class NetSuiteTables:
    """Rows per SuiteQL table, every value typed as its column's kind."""

    rows: dict[str, list[Row]] = field(default_factory=lambda: defaultdict(list))

    def add(self, table: str, **values: Any) -> Row:
        self.rows[table].append(values)
        return values


def _seconds(moment: dt.datetime | None) -> dt.datetime | None:
    """A NetSuite date-time: naive UTC, to the second."""
    if moment is None:
        return None
    return moment.astimezone(dt.UTC).replace(tzinfo=None, microsecond=0)


def _checkbox(flag: bool | None) -> str:
    return "T" if flag else "F"


def _nonzero(value: Decimal | None) -> Decimal | None:
    # NetSuite leaves the other side of an accounting line empty rather than zero.
    return value if value else None


def build_tables(records: ErpRecords, as_of: dt.datetime, timezone: str) -> NetSuiteTables:
    """The NetSuite records of a world's ERP side, as of the world's evaluation time."""
    zone = ZoneInfo(timezone)
    tables = NetSuiteTables()
    transaction_ids = itertools.count(5001)

    def trandate(moment: dt.datetime) -> dt.date:
        # A transaction date is the day in the account's time zone.
        return moment.astimezone(zone).date()

    # --- reference records ----------------------------------------------------------------
    currencies: dict[str, int] = {}
    for code in sorted(
        {
            row["currency"]
            for name in ("sales_orders", "refunds", "ledger_entries", "bank_deposits")
            for row in getattr(records, name)
            if row.get("currency")
        }
    ):
        currencies[code] = len(currencies) + 1
        tables.add(
            "currency",
            id=currencies[code],
            name=CURRENCY_NAMES.get(code, code),
            symbol=code,
            isbasecurrency=_checkbox(currencies[code] == 1),
        )
    tables.add(
        "customer",
        id=MARKETPLACE_CUSTOMER,
        entityid="CUS-MIRAKL",
        companyname="Mirakl marketplace customers",
        isinactive="F",
    )

    units: dict[tuple[str, int], int] = {}
    for item in records.items:
        key = (item["stock_uom"] or "EA", item["units_per_stock_unit"] or 1)
        if key not in units:
            units[key] = len(units) + 1
            abbreviation, rate = key
            tables.add(
                "unitstypeuom",
                internalid=units[key],
                unitstype=units[key],
                unitname=UNIT_NAMES.get(abbreviation, abbreviation),
                pluralname=UNIT_NAMES.get(abbreviation, abbreviation) + "s",
                abbreviation=abbreviation,
                pluralabbreviation=abbreviation,
                conversionrate=Decimal(rate),
                baseunit=_checkbox(rate == 1),
            )

    locations: dict[str, int] = {}
    for row in records.stock_levels:
        if row["location"] not in locations:
            locations[row["location"]] = len(locations) + 1
            tables.add(
                "location", id=locations[row["location"]], name=row["location"], isinactive="F"
            )

    # --- items and stock ------------------------------------------------------------------
    item_ids: dict[str, int] = {}
    item_created = _seconds(as_of - ITEM_AGE)
    for number, item in enumerate(records.items, start=1):
        item_ids[item["sku"]] = 1000 + number
        tables.add(
            "item",
            id=item_ids[item["sku"]],
            itemid=item["sku"],
            displayname=item["description"],
            description=item["description"],
            itemtype="InvtPart",
            isinactive="F",
            externalid=None,
            upccode=None,
            stockunit=units[(item["stock_uom"] or "EA", item["units_per_stock_unit"] or 1)],
            custitem_mirakl_shop_sku=item["mirakl_shop_sku"],
            custitem_mirakl_case_size=(
                None if item["units_per_stock_unit"] is None else str(item["units_per_stock_unit"])
            ),
            custitem_mirakl_safety_stock=item["safety_stock"],
            custitem_mirakl_listed=_checkbox(item["is_marketplace_listed"]),
            createddate=item_created,
            lastmodifieddate=item_created,
        )
    for stock in sorted(records.latest_stock(), key=lambda row: (row["sku"], row["location"])):
        on_hand, committed = stock["on_hand"], stock["committed"] or Decimal(0)
        tables.add(
            "inventoryitemlocations",
            item=item_ids[stock["sku"]],
            location=locations[stock["location"]],
            quantityonhand=on_hand,
            quantityavailable=max(on_hand - committed, Decimal(0)),
            quantitycommitted=committed,
            quantityonorder=None,
            quantitybackordered=None,
            quantityintransit=None,
            preferredstocklevel=None,
            reorderpoint=None,
            averagecostmli=None,
            lastinvtcountdate=_seconds(stock["as_of"]),
            nextinvtcountdate=None,
        )

    # --- sales orders and their lines --------------------------------------------------------
    events: dict[str, list[dt.datetime]] = defaultdict(list)
    for fulfilment in records.fulfilments:
        events[fulfilment["erp_order_id"]].append(fulfilment["shipped_at"])
    for refund in records.refunds:
        events[refund["erp_order_id"]].append(refund["created_at"])

    order_ids: dict[str, int] = {}
    for order in records.sales_orders:
        transaction_id = next(transaction_ids)
        order_ids[order["erp_order_id"]] = transaction_id
        created = order["created_at"]
        modified = max(
            [created, *(moment for moment in events[order["erp_order_id"]] if moment <= as_of)]
        )
        tables.add(
            "transaction",
            **_transaction(
                transaction_id,
                order["erp_order_id"],
                "SalesOrd",
                "salesorder",
                trandate(created),
                STATUS_LETTERS[order["status"]],
                currencies[order["currency"]],
                created,
                modified,
                otherrefnum=order["marketplace_order_id"],
                foreigntotal=order["total_amount"],
                posting="F",
            ),
        )
        tables.add("transactionline", **_line(transaction_id, 0, mainline="T", modified=modified))
        for line in records.lines_of(order["erp_order_id"]):
            tables.add(
                "transactionline",
                **_line(
                    transaction_id,
                    line["line_number"],
                    item=item_ids[line["sku"]],
                    itemtype="InvtPart",
                    quantity=-line["quantity"],
                    rate=line["unit_price"],
                    netamount=-line["line_amount"],
                    modified=modified,
                ),
            )

    # --- fulfilments and tracking -----------------------------------------------------------
    ship_methods: dict[str, int] = {}
    tracking_ids = itertools.count(1)
    for fulfilment in records.fulfilments:
        carrier = fulfilment["carrier"]
        if carrier is not None and carrier not in ship_methods:
            ship_methods[carrier] = 9000 + len(ship_methods) + 1
            tables.add(
                "shipitem",
                id=ship_methods[carrier],
                itemid=carrier,
                displayname=carrier,
                isinactive="F",
            )
        transaction_id = next(transaction_ids)
        shipped = fulfilment["shipped_at"]
        tables.add(
            "transaction",
            **_transaction(
                transaction_id,
                fulfilment["fulfilment_id"],
                "ItemShip",
                "itemfulfillment",
                trandate(shipped),
                "C",
                None,
                shipped,
                shipped,
                shipmethod=ship_methods.get(carrier) if carrier is not None else None,
                shipdate=trandate(shipped),
                posting="T",
            ),
        )
        tables.add(
            "transactionline",
            **_line(
                transaction_id,
                0,
                mainline="T",
                createdfrom=order_ids.get(fulfilment["erp_order_id"]),
                modified=shipped,
            ),
        )
        if fulfilment["tracking_number"]:
            for number in fulfilment["tracking_number"].split(","):
                tracking_id = next(tracking_ids)
                tables.add("trackingnumber", id=tracking_id, trackingnumber=number.strip())
                tables.add(
                    "trackingnumbermap", transaction=transaction_id, trackingnumber=tracking_id
                )

    # --- refunds ----------------------------------------------------------------------------
    for number, refund in enumerate(sorted(records.refunds, key=lambda row: row["refund_id"])):
        transaction_id = next(transaction_ids)
        kind, record_type, status = (
            ("CustCred", "creditmemo", "B") if number % 2 == 0 else ("CashRfnd", "cashrefund", "A")
        )
        created = refund["created_at"]
        tables.add(
            "transaction",
            **_transaction(
                transaction_id,
                refund["refund_id"],
                kind,
                record_type,
                trandate(created),
                status,
                currencies[refund["currency"]],
                created,
                created,
                otherrefnum=refund["marketplace_order_id"],
                foreigntotal=refund["amount"],
                memo=refund["reason"],
                posting="T",
            ),
        )
        tables.add(
            "transactionline",
            **_line(
                transaction_id,
                0,
                mainline="T",
                createdfrom=order_ids.get(refund["erp_order_id"]),
                modified=created,
            ),
        )

    # --- bank deposits and the ledger -------------------------------------------------------
    deposit_ids: dict[str, int] = {}
    for deposit in records.bank_deposits:
        transaction_id = next(transaction_ids)
        deposit_ids[deposit["deposit_id"]] = transaction_id
        received = deposit["received_at"]
        tables.add(
            "transaction",
            **_transaction(
                transaction_id,
                deposit["deposit_id"],
                "Deposit",
                "deposit",
                trandate(received),
                None,
                currencies[deposit["currency"]],
                received,
                received,
                memo=deposit["reference"],
                foreigntotal=deposit["amount"],
                posting="T",
            ),
        )

    accounts: dict[str, int] = {}
    journals: dict[str, list[Row]] = defaultdict(list)
    for entry in records.ledger_entries:
        group, _, _ = entry["entry_id"].rpartition("-")
        journals[group or entry["entry_id"]].append(entry)
    for group, entries in journals.items():
        deposit_id = group.removeprefix("JB-")
        first = entries[0]
        if group.startswith("JB-") and deposit_id in deposit_ids:
            transaction_id = deposit_ids[deposit_id]
        else:
            transaction_id = next(transaction_ids)
            posted = first["posted_at"]
            tables.add(
                "transaction",
                **_transaction(
                    transaction_id,
                    group,
                    "Journal",
                    "journalentry",
                    trandate(posted),
                    "B",
                    currencies[first["currency"]],
                    posted,
                    posted,
                    posting="T",
                ),
            )
        for index, entry in enumerate(entries, start=1):
            line_id = int(entry["entry_id"].rpartition("-")[2] or index)
            account = entry["account"]
            if account not in accounts:
                accounts[account] = 100 + len(accounts) + 1
                number, _, name = account.partition(" ")
                tables.add(
                    "account",
                    id=accounts[account],
                    acctnumber=number,
                    acctname=name or number,
                    accttype=ACCOUNT_TYPES.get(number[:1], "Expense"),
                    accountsearchdisplaynamecopy=account,
                    isinactive="F",
                )
            debit, credit = entry["debit"] or Decimal(0), entry["credit"] or Decimal(0)
            tables.add(
                "transactionline",
                **_line(
                    transaction_id,
                    line_id,
                    memo=entry["memo"],
                    custcol_mirakl_order_id=entry["marketplace_order_id"],
                    custcol_mirakl_payout_reference=entry["payout_reference"],
                    modified=entry["posted_at"],
                ),
            )
            tables.add(
                "transactionaccountingline",
                transaction=transaction_id,
                transactionline=line_id,
                accountingbook=PRIMARY_BOOK,
                account=accounts[account],
                debit=_nonzero(debit),
                credit=_nonzero(credit),
                amount=debit - credit,
                posting="T",
            )
    return tables


def _transaction(
    transaction_id: int,
    tranid: str,
    kind: str,
    record_type: str,
    date: dt.date,
    status: str | None,
    currency: int | None,
    created: dt.datetime,
    modified: dt.datetime,
    **values: Any,
) -> Row:
    row: Row = {
        "id": transaction_id,
        "tranid": tranid,
        "trandate": date,
        "type": kind,
        "recordtype": record_type,
        "status": status,
        "entity": MARKETPLACE_CUSTOMER if kind not in ("Journal", "Deposit") else None,
        "currency": currency,
        "exchangerate": Decimal(1) if currency is not None else None,
        "otherrefnum": None,
        "externalid": None,
        "memo": None,
        "foreigntotal": None,
        "shipmethod": None,
        "shipdate": None,
        "posting": "F",
        "voided": "F",
        "createddate": _seconds(created),
        "lastmodifieddate": _seconds(modified),
    }
    row.update(values)
    return row


def _line(transaction_id: int, line_id: int, *, modified: dt.datetime, **values: Any) -> Row:
    row: Row = {
        "transaction": transaction_id,
        "id": line_id,
        "linesequencenumber": line_id,
        "mainline": "F",
        "taxline": "F",
        "item": None,
        "itemtype": None,
        "quantity": None,
        "rate": None,
        "netamount": None,
        "location": None,
        "createdfrom": None,
        "memo": None,
        "isclosed": "F",
        "custcol_mirakl_order_id": None,
        "custcol_mirakl_payout_reference": None,
        "linelastmodifieddate": _seconds(modified),
    }
    row.update(values)
    return row
