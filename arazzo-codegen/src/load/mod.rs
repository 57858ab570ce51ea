//! Loading Arazzo and OpenAPI files with a location index.
