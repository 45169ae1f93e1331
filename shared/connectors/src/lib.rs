//! The search sources: the Source trait, the result model and the Drive, Notion and Graph connectors.
