"""mineaction.risk"""
