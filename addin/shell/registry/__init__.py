"""The payment register (registre des règlements) behind one interface, two backends.

* :mod:`.base`: the :class:`RegisterStore` protocol every backend implements, and its errors;
* ``sqlite``: the default, an SQLite file in the dossier folder (``reglo-registre.sqlite``);
* ``postgres``: a shared PostgreSQL server (``REGLO_REGISTER_URL`` or the per-user
  configuration file), so that several people of a firm cannot pay the same invoice;
* ``journal``: every change is also appended to ``reglo-registre.journal`` in the dossier
  (one JSON line per change), enough with the files Reglo wrote to rebuild the register.
"""
