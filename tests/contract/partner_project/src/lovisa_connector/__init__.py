"""Lovisa's connector to the justice-chain hub (a partner-style example)."""
