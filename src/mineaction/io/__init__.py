"""mineaction.io"""
