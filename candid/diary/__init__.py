"""The private symptom diary: episodes of bleeding after sex, encrypted with a key only the
person's recovery code can derive. Pure domain code; storage lives in candid.store."""
