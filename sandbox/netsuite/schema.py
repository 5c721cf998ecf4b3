"""The SuiteQL tables the NetSuite sandbox exposes, with their columns and types.

Names follow SuiteQL as seen in public use (erp-apis.md §1.4): lower-case table and column
ids, internal ids as integers, checkboxes as 'T'/'F', money and quantities as numbers, dates
and date-times as NetSuite keeps them. Custom fields follow the convention this project
documents (``custitem_mirakl_*`` on items, ``custcol_mirakl_*`` on transaction lines).

``references`` names, for a column holding an internal id, the table and column whose value
``BUILTIN.DF(column)`` shows (NetSuite's display value of a reference).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["integer", "decimal", "text", "checkbox", "date", "datetime"]

DUCKDB_TYPES: dict[Kind, str] = {
    "integer": "BIGINT",
    "decimal": "DECIMAL(20, 6)",
    "text": "VARCHAR",
    "checkbox": "VARCHAR",
    "date": "DATE",
    # Kept as naive UTC; shown in the account's time zone.
    "datetime": "TIMESTAMP",
}


@dataclass(frozen=True)
class Table:
    name: str
    columns: dict[str, Kind]
    # column -> (table, display column) for BUILTIN.DF
    references: dict[str, tuple[str, str]] = field(default_factory=dict)


def _table(
    table_name: str, references: dict[str, tuple[str, str]] | None = None, /, **columns: Kind
) -> Table:
    return Table(table_name, dict(columns), references or {})


TABLES: dict[str, Table] = {
    table.name: table
    for table in (
        _table(
            "item",
            {"stockunit": ("unitstypeuom", "unitname")},
            id="integer",
            itemid="text",
            displayname="text",
            description="text",
            itemtype="text",
            isinactive="checkbox",
            externalid="text",
            upccode="text",
            stockunit="integer",
            # Custom item fields (free-form text for the case size, as tenants often set it up).
            custitem_mirakl_shop_sku="text",
            custitem_mirakl_case_size="text",
            custitem_mirakl_safety_stock="decimal",
            custitem_mirakl_listed="checkbox",
            createddate="datetime",
            lastmodifieddate="datetime",
        ),
        _table(
            "unitstypeuom",
            internalid="integer",
            unitstype="integer",
            unitname="text",
            pluralname="text",
            abbreviation="text",
            pluralabbreviation="text",
            conversionrate="decimal",
            baseunit="checkbox",
        ),
        _table("location", id="integer", name="text", isinactive="checkbox"),
        _table(
            "inventoryitemlocations",
            {"item": ("item", "itemid"), "location": ("location", "name")},
            item="integer",
            location="integer",
            quantityonhand="decimal",
            quantityavailable="decimal",
            quantitycommitted="decimal",
            quantityonorder="decimal",
            quantitybackordered="decimal",
            quantityintransit="decimal",
            preferredstocklevel="decimal",
            reorderpoint="decimal",
            averagecostmli="decimal",
            lastinvtcountdate="datetime",
            nextinvtcountdate="datetime",
        ),
        _table("currency", id="integer", name="text", symbol="text", isbasecurrency="checkbox"),
        _table(
            "customer",
            id="integer",
            entityid="text",
            companyname="text",
            isinactive="checkbox",
        ),
        _table("shipitem", id="integer", itemid="text", displayname="text", isinactive="checkbox"),
        _table(
            "account",
            id="integer",
            acctnumber="text",
            acctname="text",
            accttype="text",
            accountsearchdisplaynamecopy="text",
            isinactive="checkbox",
        ),
        _table(
            "transaction",
            {
                "entity": ("customer", "companyname"),
                "currency": ("currency", "name"),
                "shipmethod": ("shipitem", "itemid"),
            },
            id="integer",
            tranid="text",
            trandate="date",
            type="text",
            recordtype="text",
            status="text",
            entity="integer",
            currency="integer",
            exchangerate="decimal",
            otherrefnum="text",
            externalid="text",
            memo="text",
            foreigntotal="decimal",
            shipmethod="integer",
            shipdate="date",
            posting="checkbox",
            voided="checkbox",
            createddate="datetime",
            lastmodifieddate="datetime",
        ),
        _table(
            "transactionline",
            {
                "item": ("item", "itemid"),
                "location": ("location", "name"),
                "createdfrom": ("transaction", "tranid"),
            },
            transaction="integer",
            id="integer",
            linesequencenumber="integer",
            mainline="checkbox",
            taxline="checkbox",
            item="integer",
            itemtype="text",
            quantity="decimal",
            rate="decimal",
            netamount="decimal",
            location="integer",
            createdfrom="integer",
            memo="text",
            isclosed="checkbox",
            custcol_mirakl_order_id="text",
            custcol_mirakl_payout_reference="text",
            linelastmodifieddate="datetime",
        ),
        _table(
            "transactionaccountingline",
            {"account": ("account", "accountsearchdisplaynamecopy")},
            transaction="integer",
            transactionline="integer",
            accountingbook="integer",
            account="integer",
            debit="decimal",
            credit="decimal",
            amount="decimal",
            posting="checkbox",
        ),
        _table("trackingnumber", id="integer", trackingnumber="text"),
        _table(
            "trackingnumbermap",
            {"trackingnumber": ("trackingnumber", "trackingnumber")},
            transaction="integer",
            trackingnumber="integer",
        ),
    )
}
