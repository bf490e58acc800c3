"""Use cases, named after Huawei's operations. Each runs in one store transaction and publishes
the meeting's new ledger entries after commit."""
