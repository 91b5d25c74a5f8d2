"""Single-row corrections of the budget figures; whole years go through the context workbook."""
from django import forms
from django.contrib import admin

from organization.admin_scope import EntityScopedAdmin
from performance.admin_freeze import FrozenAdminMixin

from .formula import FormulaError, parse
from .models import ActionLine, BalanceComponent, BalanceIndex, BudgetLine, DeclaredTotal, Participation


class YearAdmin(EntityScopedAdmin, FrozenAdminMixin, admin.ModelAdmin):
    list_filter = ("entity", "year")


@admin.register(BudgetLine)
class BudgetLineAdmin(YearAdmin):
    list_display = ("code", "label", "section", "forecast", "actual", "subject", "year")
    list_filter = ("entity", "year", "section", "subject")


@admin.register(DeclaredTotal)
class DeclaredTotalAdmin(YearAdmin):
    list_display = ("key", "forecast", "actual", "subject", "year")


@admin.register(ActionLine)
class ActionLineAdmin(YearAdmin):
    list_display = ("label", "forecast", "actual", "subject", "year")


@admin.register(BalanceComponent)
class BalanceComponentAdmin(YearAdmin):
    list_display = ("code", "label", "value", "year")


class BalanceIndexForm(forms.ModelForm):
    class Meta:
        model = BalanceIndex
        fields = "__all__"

    def clean_formula(self) -> str:
        formula = self.cleaned_data["formula"]
        try:
            parse(formula)
        except FormulaError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return formula


@admin.register(BalanceIndex)
class BalanceIndexAdmin(YearAdmin):
    form = BalanceIndexForm
    list_display = ("label", "group", "formula", "format", "year")


@admin.register(Participation)
class ParticipationAdmin(YearAdmin):
    list_display = ("company", "share_capital", "nominal_value", "declared_percent", "year")
