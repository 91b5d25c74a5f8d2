"""A scorecard and its values for one period as a workbook to fill offline."""
from __future__ import annotations

import io

from django.utils.translation import gettext as _

from ..models import Assignment, Period, Scorecard
from .common import (
    COLUMNS,
    FIELD_COLUMN,
    HEADER_ROW,
    INSTRUCTIONS,
    NUMBER_OF,
    SHEET,
    TEXT_FIELDS,
    _measurements,
    _megabytes,
    _put,
    _shown,
    _title_block,
)


def export_scorecard(scorecard: Scorecard, period: Period) -> bytes:
    """The scorecard's values for the period as an .xlsx (two queries whatever its size)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.worksheet.datavalidation import DataValidation

    assignments = list(Assignment.objects.filter(scorecard=scorecard)
                       .select_related("indicator__operational_objective").order_by("position", "pk"))
    stored = _measurements([a.indicator_id for a in assignments], period)
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    bold, grey = Font(bold=True), PatternFill("solid", fgColor="E7E6E6")
    unlocked, wrap = Protection(locked=False), Alignment(wrap_text=True, vertical="top")
    for r, (label, value) in enumerate(_title_block(scorecard, period), start=1):
        _put(ws, r, 1, label).font = bold
        _put(ws, r, 2, value).alignment = Alignment(horizontal="left")
    for c, column in enumerate(COLUMNS, start=1):
        cell = _put(ws, HEADER_ROW, c, column.name)
        cell.font, cell.fill = bold, PatternFill("solid", fgColor="BFBFBF")
        ws.column_dimensions[cell.column_letter].width = column.width
    nv_list, bool_list = (DataValidation(type="list", formula1='"SI,NO"', allow_blank=True, showErrorMessage=True,
                                         errorTitle=_("Valore non ammesso"), error=_("Scegliere SI oppure NO."))
                          for _n in range(2))
    for r, a in enumerate(assignments, start=HEADER_ROW + 1):
        ind, m = a.indicator, stored.get(a.indicator_id)
        shown, oo = _shown(m), ind.operational_objective
        values = {"codice": ind.code, "obiettivo": f"{oo.code} {oo.title}",
                  "indicatore": ind.name, "algoritmo": ind.algorithm, "tipo": ind.get_kind_display(),
                  "target": f"{ind.target_raw} {ind.unit_of_measure}".strip(), "versione": m.version if m else None,
                  "nv": "SI" if shown.is_nv else "NO", **{FIELD_COLUMN[f]: getattr(shown, f) for f in TEXT_FIELDS}}
        # A ratio is typed as numerator and denominator, anything else as a value: the other cells stay closed.
        closed = {"valore"} if ind.kind == "ratio" else {"numeratore", "denominatore"}
        for c, column in enumerate(COLUMNS, start=1):
            cell = _put(ws, r, c, values[column.name])
            cell.alignment = wrap
            if column.field and column.name not in closed:
                cell.protection, cell.number_format = unlocked, "@"  # text: "1.234,5" stays as typed
            else:
                cell.fill = grey
        nv_list.add(ws.cell(r, NUMBER_OF["nv"]).coordinate)
        if ind.kind == "boolean":
            bool_list.add(ws.cell(r, NUMBER_OF["valore"]).coordinate)
    for validation in (nv_list, bool_list):
        if validation.sqref.ranges:
            ws.add_data_validation(validation)
    ws.freeze_panes = ws.cell(HEADER_ROW + 1, 2)
    # No password: the lock guards against slips; the upload checks everything on the server anyway.
    ws.protection.sheet = True
    ws.protection.formatColumns = ws.protection.formatRows = False  # columns and rows may still be resized
    _instructions(wb.create_sheet(INSTRUCTIONS), period)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _instructions(ws, period: Period) -> None:
    from openpyxl.styles import Alignment, Font

    lines = [
        _("Come compilare la scheda"),
        _("Compilare solo le celle bianche del foglio «valori»: le celle grigie (codice, obiettivo, indicatore, "
          "algoritmo, tipo, target, versione) sono protette. Ogni riga è riconosciuta dal codice: non cambiarlo "
          "e non aggiungere righe."),
        _("Numero e monitoraggio: la virgola per i decimali, il punto per le migliaia se si vuole (1.234,5 "
          "oppure 1234,5)."),
        _("Percentuale: il numero con o senza il simbolo % (87,5 oppure 87,5%). Progetto: l'avanzamento da 0 a 100%."),
        _("Data (scadenza): gg/mm/aaaa (31/12/2023). SI/NO: scegliere SI oppure NO dall'elenco della cella."),
        _("Rapporto: numeratore e denominatore (diverso da zero); il rapporto lo calcola Misura."),
        _("NV (non valutabile): SI nella colonna nv e il motivo, obbligatorio, nella colonna motivazione_nv."),
        _("Risultato inferiore al target: la motivazione (colonna motivazione_scostamento) è obbligatoria. La nota "
          "è facoltativa e resta nello storico delle modifiche."),
        _("Le righe lasciate vuote vengono ignorate; le righe non modificate non vengono riscritte."),
        _("versione: la versione del valore al download. Se qualcuno ha cambiato lo stesso valore nel frattempo, "
          "la riga viene segnalata: riscaricare la scheda e riportare le proprie modifiche."),
        _("Caricare il file dalla pagina della scheda, periodo «%(period)s», in formato .xlsx ed entro %(mb)s MB. "
          "È tutto o niente: con un errore in una riga non si salva nessun valore e Misura elenca gli errori per "
          "riga e colonna.") % {"period": period.name, "mb": _megabytes()},
    ]
    ws.column_dimensions["A"].width = 120
    for r, line in enumerate(lines, start=1):
        ws.cell(r, 1, line).alignment = Alignment(wrap_text=True, vertical="top")
    ws["A1"].font = Font(bold=True, size=14)

