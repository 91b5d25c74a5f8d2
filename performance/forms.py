from django import forms
from django.utils.translation import gettext_lazy as _


class OverrideRequestForm(forms.Form):
    value = forms.DecimalField(label=_("% di realizzazione proposta"), min_value=0, max_digits=9, decimal_places=2,
                               localize=True)
    justification = forms.CharField(label=_("Motivazione"), widget=forms.Textarea(attrs={"rows": 3}))


class OverrideDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approva")), ("reject", _("Respingi"))],
                                 widget=forms.HiddenInput)
    note = forms.CharField(label=_("Nota della decisione"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
