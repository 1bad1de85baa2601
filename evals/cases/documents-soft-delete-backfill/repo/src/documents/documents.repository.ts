import type { Document, PrismaClient } from '@prisma/client';

export class DocumentsRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async listRecent(workspaceId: string, cursor?: string): Promise<Document[]> {
    return this.prisma.document.findMany({
      where: { workspaceId, archived: false },
      orderBy: { updatedAt: 'desc' },
      take: 30,
      ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
    });
  }

  async autosave(workspaceId: string, id: string, content: object): Promise<void> {
    await this.prisma.document.updateMany({
      where: { id, workspaceId, archived: false },
      data: { content },
    });
  }

  async archive(workspaceId: string, id: string): Promise<void> {
    await this.prisma.document.updateMany({ where: { id, workspaceId }, data: { archived: true } });
  }
}
