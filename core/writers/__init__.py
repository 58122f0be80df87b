"""File writers: pure functions returning bytes (SEPA XML, ...). See house style §6."""
