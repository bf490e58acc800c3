"""The HTTP edge: Huawei's wire format in, use cases called, Huawei's wire format out."""
