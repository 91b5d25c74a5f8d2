from .context import ContextRow, ContextTable
from .core import Entity, Membership, OrgUnit, OrgUnitQuerySet, Role
from .staff import Absence, Gender, Organ, ParentalLeave, StaffBreakdown, StaffCount, StaffPlan, StaffYear

__all__ = [
    "Absence", "ContextRow", "ContextTable", "Entity", "Gender", "Membership", "Organ", "OrgUnit", "OrgUnitQuerySet",
    "ParentalLeave", "Role", "StaffBreakdown", "StaffCount", "StaffPlan", "StaffYear",
]
