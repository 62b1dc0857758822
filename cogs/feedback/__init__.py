"""Feedback: the pure logic of the feedback cog (duplicates, ranking, triage, webhook signing).

The cog itself is not built yet (it waits for persons, facts and files in the core), so this
package exports no ``COG`` and the composition root skips it.
"""
