import type { PrismaClient, Task } from '@prisma/client';

export class TaskService {
  constructor(private readonly prisma: PrismaClient) {}

  async getOverdueTasks(workspaceId: string, now = new Date()): Promise<Task[]> {
    return this.prisma.task.findMany({
      where: { workspaceId, status: 'open', dueAt: { lt: now } },
      orderBy: { dueAt: 'asc' },
    });
  }

  async getTasksForAssignee(assigneeId: string): Promise<Task[]> {
    return this.prisma.task.findMany({
      where: { assigneeId, status: 'open' },
      orderBy: { dueAt: 'asc' },
      take: 100,
    });
  }
}
