"""What the sandbox peers take from the official TMF v4 OpenAPI documents (TMF622 Product
Ordering 4.0.0, TMF637 Product Inventory 4.0.0, TMF629 Customer Management 4.0.0): each
API's root, its resource, the attributes its ``*_Create`` schema requires, the shapes of the
references it holds (with the keys each one requires), its enumerations, and the attributes
only the server sets.

Written down here rather than read from the documents, so the peers run anywhere the
package is installed.
"""

from __future__ import annotations

from dataclasses import dataclass

from order_completion.sandbox.rules import Kind, Resource, Shape


@dataclass(frozen=True)
class PeerApi:
    """One TMF API served by the sandbox."""

    name: str  # the root's segment: how faults and the request log name the API
    title: str
    resource: Resource

    @property
    def root(self) -> str:
        return f"/tmf-api/{self.name}/v4"


TEXT = Shape(Kind.STRING)
MOMENT = Shape(Kind.DATE_TIME)
FLAG = Shape(Kind.BOOLEAN)
ANY_OBJECT = Shape(Kind.OBJECT)
ANY_LIST = Shape(Kind.ARRAY)
REFERENCES = Shape(Kind.ARRAY, required=("id",))
ONE_REFERENCE = Shape(Kind.OBJECT, required=("id",))
# RelatedParty: a reference that must also say what it refers to (Individual, Organization...)
PARTIES = Shape(Kind.ARRAY, required=("@referredType", "id"))
CHARACTERISTICS = Shape(Kind.ARRAY, required=("name", "value"))
COMMON = {"@type": TEXT, "@baseType": TEXT, "@schemaLocation": TEXT, "relatedParty": PARTIES}

ORDER_STATES = (
    "acknowledged",
    "rejected",
    "pending",
    "held",
    "inProgress",
    "cancelled",
    "completed",
    "failed",
    "partial",
    "assessingCancellation",
    "pendingCancellation",
)
ITEM_ACTIONS = ("add", "modify", "delete", "noChange")
# The spec spells the last one "aborted " with a trailing space; both spellings are taken.
PRODUCT_STATUSES = (
    "created",
    "pendingActive",
    "cancelled",
    "active",
    "pendingTerminate",
    "terminated",
    "suspended",
    "aborted",
    "aborted ",
)

PRODUCT_ORDER = Resource(
    name="productOrder",
    type_name="ProductOrder",
    mandatory=("productOrderItem",),
    shapes={
        **COMMON,
        **dict.fromkeys(
            ("category", "description", "externalId", "notificationContact", "priority"), TEXT
        ),
        "cancellationReason": TEXT,
        **dict.fromkeys(
            (
                "cancellationDate",
                "requestedCompletionDate",
                "requestedStartDate",
                "completionDate",
                "expectedCompletionDate",
                "orderDate",
            ),
            MOMENT,
        ),
        **dict.fromkeys(
            ("agreement", "channel", "payment", "productOfferingQualification", "quote"),
            REFERENCES,
        ),
        "billingAccount": ONE_REFERENCE,
        "note": Shape(Kind.ARRAY, required=("text",)),
        "orderTotalPrice": ANY_LIST,
        "productOrderItem": Shape(
            Kind.ARRAY, required=("id", "action"), enums={"action": ITEM_ACTIONS}
        ),
        "state": Shape(Kind.STRING, values=ORDER_STATES),
    },
    owned_on_create=frozenset({"state", "orderDate", "completionDate", "expectedCompletionDate"}),
    owned_on_patch=frozenset({"orderDate"}),
    state_attribute="state",
    initial={"state": "acknowledged"},
    dated_on_create=("orderDate",),
    dated_states={"completed": "completionDate"},
)

PRODUCT = Resource(
    name="product",
    type_name="Product",
    mandatory=("status",),
    shapes={
        **COMMON,
        **dict.fromkeys(("description", "name", "productSerialNumber"), TEXT),
        **dict.fromkeys(("isBundle", "isCustomerVisible"), FLAG),
        **dict.fromkeys(("orderDate", "startDate", "terminationDate"), MOMENT),
        **dict.fromkeys(("agreement", "realizingResource", "realizingService"), REFERENCES),
        **dict.fromkeys(
            ("billingAccount", "productOffering", "productSpecification"), ONE_REFERENCE
        ),
        "place": Shape(Kind.ARRAY, required=("role",)),
        "product": ANY_LIST,
        "productTerm": ANY_LIST,
        "productCharacteristic": CHARACTERISTICS,
        "productOrderItem": Shape(Kind.ARRAY, required=("orderItemId", "productOrderId")),
        "productPrice": Shape(Kind.ARRAY, required=("price", "priceType")),
        "productRelationship": Shape(Kind.ARRAY, required=("product", "relationshipType")),
        "status": Shape(Kind.STRING, values=PRODUCT_STATUSES),
    },
    state_attribute="status",
)

CUSTOMER = Resource(
    name="customer",
    type_name="Customer",
    mandatory=("engagedParty", "name"),
    shapes={
        **COMMON,
        **dict.fromkeys(("name", "status", "statusReason"), TEXT),
        "account": Shape(Kind.ARRAY, required=("name",)),
        "agreement": REFERENCES,
        "paymentMethod": REFERENCES,
        "characteristic": CHARACTERISTICS,
        "contactMedium": Shape(Kind.ARRAY, required=("mediumType", "characteristic")),
        "creditProfile": Shape(Kind.ARRAY, required=("creditProfileDate", "validFor")),
        "engagedParty": Shape(Kind.OBJECT, required=("@referredType", "id")),
        "validFor": ANY_OBJECT,
    },
    state_attribute="status",
)

PRODUCT_ORDERING = PeerApi("productOrderingManagement", "TMF622 Product Ordering", PRODUCT_ORDER)
PRODUCT_INVENTORY = PeerApi("productInventory", "TMF637 Product Inventory", PRODUCT)
CUSTOMER_MANAGEMENT = PeerApi("customerManagement", "TMF629 Customer Management", CUSTOMER)

PEERS = (PRODUCT_ORDERING, PRODUCT_INVENTORY, CUSTOMER_MANAGEMENT)
PEERS_BY_NAME = {peer.name: peer for peer in PEERS}


def peer_of(path: str) -> PeerApi | None:
    """The API a request path is under, or None (the sandbox's own control routes)."""
    for peer in PEERS:
        if path == peer.root or path.startswith(f"{peer.root}/"):
            return peer
    return None
