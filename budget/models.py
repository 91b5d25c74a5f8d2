# Budget figures (conto economico, interventi economici, indici di bilancio) arrive with issue 6.
