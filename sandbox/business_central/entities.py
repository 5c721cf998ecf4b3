"""The entity sets the sandbox serves: their OData type, order, navigations and filters.

Standard API v2.0 pages live under ``/api/v2.0/companies(<id>)/<entitySet>``; the custom
pages of a marketplace extension under ``/api/<publisher>/<group>/<version>/companies(<id>)/…``.
Business Central returns a collection in the order of the underlying table's primary key,
which is also what a server-driven page boundary (``$skiptoken``) is keyed on.
"""

from __future__ import annotations

from dataclasses import dataclass

# Text properties the sandbox filters on with `eq` (real BC filters on almost any property; the
# sandbox implements what clients of this project need and says so for the rest).
KEY_TEXT_FILTERS = frozenset({"number", "externalDocumentNumber", "name", "itemNumber"})


@dataclass(frozen=True)
class EntitySet:
    name: str
    # The OData entity type, as it appears in error messages: Microsoft.NAV.<type>.
    type_name: str
    # Properties whose order is the table's primary key order.
    sort_key: tuple[str, ...]
    # Navigation property holding the document's lines (or dimensions), served by $expand only.
    navigation: str | None = None
    has_last_modified: bool = True


STANDARD_SETS: dict[str, EntitySet] = {
    spec.name: spec
    for spec in (
        EntitySet("companyInformation", "companyInformation", ("id",)),
        EntitySet("items", "item", ("number",)),
        EntitySet("accounts", "account", ("number",)),
        EntitySet("customerReturnReasons", "customerReturnReason", ("code",)),
        EntitySet("salesOrders", "salesOrder", ("number",), navigation="salesOrderLines"),
        EntitySet("salesInvoices", "salesInvoice", ("number",), navigation="salesInvoiceLines"),
        EntitySet("salesShipments", "salesShipment", ("number",), navigation="salesShipmentLines"),
        EntitySet(
            "salesCreditMemos", "salesCreditMemo", "number", navigation="salesCreditMemoLines"
        ),
        EntitySet(
            "generalLedgerEntries",
            "generalLedgerEntry",
            ("entryNumber",),
            navigation="dimensionSetLines",
        ),
    )
}

COMPANIES = EntitySet("companies", "company", ("name",), has_last_modified=False)


def custom_sets(shipment_trackings: str, item_location_stocks: str, marketplace_items: str):
    """The extension's entity sets under the names the sandbox is configured with."""
    return {
        shipment_trackings: EntitySet(shipment_trackings, "shipmentTracking", ("number",)),
        item_location_stocks: EntitySet(
            item_location_stocks, "itemLocationStock", ("itemNumber", "locationCode")
        ),
        marketplace_items: EntitySet(marketplace_items, "marketplaceItem", ("number",)),
    }
