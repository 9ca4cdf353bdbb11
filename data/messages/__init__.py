"""Message catalogues, one module per part of Okno; merged by data.i18n."""
