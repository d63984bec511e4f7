"""mineaction.plan"""
