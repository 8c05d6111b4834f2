"""The version of the parser (readers and segmenter) recorded with each document's units: a document
read by another version is parsed again (`pipeline.pending`). Its own module so that the parent of an
ingest knows it without importing the segmenter, which only the parse workers run."""

PARSER_VERSION = "seg-5"
