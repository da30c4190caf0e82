DROP TABLE ecf_document_kinds;
DROP TABLE ecf_catalogue_entries;
DROP TABLE ecf_documents;
DROP TABLE blob_chunks;
DROP TABLE blobs;
