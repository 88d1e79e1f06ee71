"""Code lists from the SSDA903 guidance (domain.md Part B) and our canonical extensions."""

SEX_TO_2023_24 = ("1", "2")
SEX_FROM_2024_25 = ("M", "F", "U")
SEX_CODES_CHANGE_YEAR = 2024  # collection year 2024-25 starts using M/F/U

ETHNIC = (
    "WBRI", "WIRI", "WOTH", "WIRT", "WROM", "MWBC", "MWBA", "MWAS", "MOTH", "AIND", "APKN",
    "ABAN", "AOTH", "BCRB", "BAFR", "BOTH", "CHNE", "OOTH", "REFU", "NOBT",
)  # fmt: skip
RNE = ("S", "L", "P", "T", "B", "U")
LEGAL_STATUS = (
    "C1", "C2", "D1", "E1", "V2", "V3", "V4", "L1", "L2", "L3", "J1", "J2", "J3",
)  # fmt: skip
CIN = ("N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8")
ADOPTION_PLACEMENTS = ("A3", "A4", "A5", "A6")
PLACE_ALWAYS = (
    "A3", "A4", "A5", "A6", "U1", "U2", "U3", "U4", "U5", "U6", "K1", "K2", "P1", "P3",
    "R1", "R2", "R3", "R5", "S1", "T0", "T1", "T2", "T3", "T4",
)  # fmt: skip
# Year-dependent placement codes: (code, first collection year, last collection year).
# A collection year is named by the year it starts: 2024 means 2024-25.
PLACE_BY_YEAR = (
    ("K3", 2024, None),
    ("H5", None, 2024),
    ("P2", None, 2024),
    ("Z1", None, 2024),
    ("Z11", 2025, None),
    ("Z12", 2025, None),
    ("Z13", 2025, None),
    ("Z14", 2025, None),
)
PLACE_ALL = PLACE_ALWAYS + tuple(code for code, _, _ in PLACE_BY_YEAR)
PLACE_PROVIDER = ("PR0", "PR1", "PR2", "PR3", "PR4", "PR5")
REC = (
    "E11", "E12", "E2", "E3", "E4A", "E4B", "E13", "E41", "E45", "E46", "E47", "E48", "E5",
    "E6", "E7", "E8", "E9", "E14", "E15", "E16", "E17", "X1", "E43", "E44",
)  # fmt: skip
ADOPTED = ("E11", "E12")
REASON_PLACED_CEASED = ("RD1", "RD2", "RD3", "RD4")
# REASON_PLACE_CHANGE, as the DfE reference engine lists it (its rule 1009)
REASON_PLACE_CHANGE = (
    "CARPL", "CLOSE", "ALLEG", "STAND", "APPRR", "CREQB", "CREQO", "CHILD", "LAREQ", "PLACE",
    "CUSTOD", "OTHER",
)  # fmt: skip
# An Ofsted URN: two letters (SC for social care) and six digits, six or seven digits, or
# XXXXXXX where the placement has none.
LA_PERM = r"\d{3}|[A-Z]{3}"  # an LA code, or 3 capitals (WAL, SCO, NIR, ...)
# The 903's other short codes, by form (each year's list differs a little); a value of another
# form (a name, an NHS number typed in) is left blank and queried, never stored.
DATE_PERM = (
    r"(?:\d{2}|[zZ]{2})/(?:\d{2}|[zZ]{2})/(?:\d{4}|[zZ]{4})|\d{4}-\d{2}-\d{2}"  # zz: unknown
)
PREV_PERM = r"[A-Za-z]\d"  # P1-P4, Z1
SDQ_REASON = r"(?i:SDQ)\d"
IN_TOUCH = r"(?i:YES|NO|DIED|REFU|NREQ|RHOM)"
OC3_ACTIVITY = r"[A-Za-z]\d|0"  # F1-F3, P1-P3, G4-G6; 0 as some exports send it
OC3_ACCOMMODATION = r"[A-Za-z]\d|0\d"
OFSTED_URN = r"[A-Z]{2}\d{6}|\d{6,7}|XXXXXXX"
FOSTER_CARE = ("0", "1")
NB_ADOPTR = ("1", "2")
SEX_ADOPTR = ("M1", "F1", "MM", "FF", "MF")
LS_ADOPTR = ("L0", "L11", "L12", "L2", "L3", "L4")
REVIEW_CODE = ("PN0", "PN1", "PN2", "PN3", "PN4", "PN5", "PN6", "PN7")
MISSING_TYPE = ("M", "A")
YES_NO = ("Y", "N")
ZERO_ONE = ("0", "1")

# Canonical codes for the tables the 903 does not cover (adopters, support, finance).
ADOPTER_AGENCY = ("RAA", "LA", "VAA")  # in-region RAA, another LA/RAA, voluntary agency
ADOPTER_EVENTS = (
    "ENQUIRY", "REGISTRATION", "STAGE1", "STAGE2", "APPROVAL", "MATCH", "WITHDRAWAL",
)  # fmt: skip
# Why a household left the process: the partnership's list, in words (the marts show them). A
# case system's own wording is recoded onto it in its profile; free text is not kept (it may
# name anyone), so a reason off the list is left blank and queried.
WITHDRAWAL_REASONS = (
    "Personal circumstances changed", "Health", "Chose to foster instead", "Moved out of the area",
    "Assessment concerns", "Chose another agency", "Relationship changes", "Pregnancy",
    "Financial reasons", "Work commitments", "Other",
)  # fmt: skip
SUPPORT_CASE_TYPES = ("ADOPTION", "SGO", "OTHER")
ASF_STATUS = ("PENDING", "APPROVED", "DECLINED")
LETTERBOX_DIRECTION = ("IN", "OUT")
LEDGER_ENTRY_TYPES = ("BUDGET", "SPEND", "INCOME")
INTERAGENCY_FEE_TYPES = ("LA_RAA", "VAA")
