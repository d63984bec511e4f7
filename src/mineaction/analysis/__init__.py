"""mineaction.analysis"""
