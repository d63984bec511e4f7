"""mineaction.report"""
