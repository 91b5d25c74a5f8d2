# ReportSection, ReportEdition and Validation arrive with issues 7 and 8.
