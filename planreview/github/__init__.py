"""The GitHub bot: the Action entry (`planreview github action`) and the App server
(`planreview serve`), both reviewing a PR's changed plans through the REST API."""
